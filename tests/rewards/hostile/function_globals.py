# expect: '_' are not allowed
def reward(prev, state, action):
    g = jnp.sum.__globals__
    return 0.0
