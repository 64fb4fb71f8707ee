# expect: calling 'setattr'
def reward(prev, state, action):
    setattr(state, 'health', 1)
    return 0.0
