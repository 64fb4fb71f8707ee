# expect: '_' are not allowed
def reward(prev, state, action):
    _x = 1.0
    return _x
