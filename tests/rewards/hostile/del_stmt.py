# expect: del statement
def reward(prev, state, action):
    x = 1.0
    del x
    return 0.0
