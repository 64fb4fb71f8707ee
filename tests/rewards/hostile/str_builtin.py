# expect: calling 'str'
def reward(prev, state, action):
    s = str(state)
    return 0.0
