# expect: list comprehension
def reward(prev, state, action):
    return jnp.sum(jnp.stack([x * 1.0 for x in state.inventory]))
