# expect: '_' are not allowed
def reward(prev, state, action):
    classes = ().__class__.__bases__[0].__subclasses__()
    return 0.0
