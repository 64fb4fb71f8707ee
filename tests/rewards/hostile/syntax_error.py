# expect: syntax error
def reward(prev, state, action)
    return 0.0
