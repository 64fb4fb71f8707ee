# expect: calling 'eval'
def reward(prev, state, action):
    return eval(state)
