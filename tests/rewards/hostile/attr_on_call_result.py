# expect: attributes are only allowed
def reward(prev, state, action):
    return jnp.abs(state.health).real
