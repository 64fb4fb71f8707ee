# expect: lists and tuples are only allowed
def reward(prev, state, action):
    t = (1, 2)
    t = t + t
    t = t + t
    return 0.0
