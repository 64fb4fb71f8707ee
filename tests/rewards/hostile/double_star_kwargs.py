# expect: **kwargs
def reward(prev, state, action):
    return jnp.sum(state.inventory, **kw)
