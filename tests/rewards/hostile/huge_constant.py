# expect: too large
def reward(prev, state, action):
    return state.health * 1e300
