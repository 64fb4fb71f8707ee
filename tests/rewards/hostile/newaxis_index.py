# expect: None is not allowed
def reward(prev, state, action):
    outer = state.inventory[:, None] * state.inventory[None, :]
    return jnp.sum(outer) * 1.0
