# expect: jnp.save is not allowed
def reward(prev, state, action):
    jnp.save(state.health, state.health)
    return 0.0
