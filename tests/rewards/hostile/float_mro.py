# expect: '_' are not allowed
def reward(prev, state, action):
    m = jnp.float32.__mro__
    return 0.0
