# expect: unknown name 'jax'
def reward(prev, state, action):
    return jax.numpy.sum(state.pos)
