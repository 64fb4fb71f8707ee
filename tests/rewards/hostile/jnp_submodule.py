# expect: jnp.linalg.norm is not allowed
def reward(prev, state, action):
    return jnp.linalg.norm(state.pos)
