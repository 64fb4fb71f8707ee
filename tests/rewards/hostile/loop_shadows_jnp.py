# expect: loop variable cannot be named 'jnp'
def reward(prev, state, action):
    t = 0.0
    for jnp in range(3):
        t = t + state.health
    return t
