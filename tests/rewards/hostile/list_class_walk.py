# expect: '_' are not allowed
def reward(prev, state, action):
    base = [].__class__.__base__
    return 0.0
