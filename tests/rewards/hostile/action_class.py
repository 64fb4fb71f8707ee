# expect: '_' are not allowed
def reward(prev, state, action):
    return action.__class__
