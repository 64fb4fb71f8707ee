# expect: keyword 'dtype' is not allowed
def reward(prev, state, action):
    return jnp.sum(state.inventory, dtype=jnp.float32)
