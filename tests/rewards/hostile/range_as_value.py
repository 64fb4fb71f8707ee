# expect: range() is only allowed
def reward(prev, state, action):
    r = range(3)
    return 0.0
