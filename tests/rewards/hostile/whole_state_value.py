# expect: use fields of 'state'
def reward(prev, state, action):
    return jnp.sum(state)
