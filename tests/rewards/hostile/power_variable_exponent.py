# expect: constant exponent
def reward(prev, state, action):
    return 2 ** state.stats.steps
