# expect: constant exponent
def reward(prev, state, action):
    return state.health * 10 ** 10 ** 10
