# expect: can only be used as jnp.<function>
def reward(prev, state, action):
    np = jnp
    return np.sum(state.pos)
