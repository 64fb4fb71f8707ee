# expect: calling 'globals'
def reward(prev, state, action):
    g = globals()
    return 0.0
