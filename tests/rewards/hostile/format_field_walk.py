# expect: strings are not allowed
def reward(prev, state, action):
    leak = '{0.__class__.__init__.__globals__}'.format(state)
    return 0.0
