# expect: jnp.ones is not allowed
def reward(prev, state, action):
    big = jnp.ones((1 << 20,) * 4)
    return jnp.sum(big)
