# expect: exactly three arguments
def reward(prev, state, action):
    idx = jnp.where(state.inventory)
    return 0.0
