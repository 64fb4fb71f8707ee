# expect: cannot assign to 'jnp'
def reward(prev, state, action):
    jnp = state
    return 0.0
