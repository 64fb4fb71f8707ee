# expect: attributes are only allowed
def reward(prev, state, action):
    x = jnp.sum(state.inventory).item()
    return 0.0
