# expect: calling 'vars'
def reward(prev, state, action):
    v = vars()
    return 0.0
