# expect: '_' are not allowed
def reward(prev, state, action):
    g = state.has.__func__.__globals__
    return 0.0
