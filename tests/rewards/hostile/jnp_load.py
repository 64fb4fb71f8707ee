# expect: jnp.load is not allowed
def reward(prev, state, action):
    return jnp.load(state.health)
