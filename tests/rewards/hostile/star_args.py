# expect: star-args
def reward(prev, state, action):
    return jnp.maximum(*state.pos)
