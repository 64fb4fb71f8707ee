# expect: '_' are not allowed
def reward(prev, state, action):
    c = reward.__code__
    return 0.0
