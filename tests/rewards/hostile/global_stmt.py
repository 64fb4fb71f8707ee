# expect: global statement
def reward(prev, state, action):
    global jnp
    return 0.0
