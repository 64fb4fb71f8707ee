# expect: generator expression
def reward(prev, state, action):
    return jnp.sum(x * 1.0 for x in state.inventory)
