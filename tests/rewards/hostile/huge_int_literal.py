# expect: too large
def reward(prev, state, action):
    return state.health * 123456789012345678901234567890
