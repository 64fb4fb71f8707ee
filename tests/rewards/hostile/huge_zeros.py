# expect: jnp.zeros is not allowed
def reward(prev, state, action):
    big = jnp.zeros(10 ** 10)
    return jnp.sum(big)
