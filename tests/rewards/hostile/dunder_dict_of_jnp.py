# expect: '_' are not allowed
def reward(prev, state, action):
    mods = jnp.__dict__
    return 0.0
