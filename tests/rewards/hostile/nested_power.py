# expect: nested powers
def reward(prev, state, action):
    return ((999999 ** 8) ** 8) ** 8
