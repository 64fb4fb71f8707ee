# expect: calling 'type'
def reward(prev, state, action):
    t = type(state)
    return 0.0
