# expect: '_' are not allowed
def reward(prev, state, action):
    n = (1).__class__.__subclasses__()
    return 0.0
