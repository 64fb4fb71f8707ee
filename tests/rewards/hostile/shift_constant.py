# expect: operator LShift is not allowed
def reward(prev, state, action):
    return state.health * (1 << 100000)
