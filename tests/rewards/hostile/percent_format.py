# expect: strings are not allowed
def reward(prev, state, action):
    leak = '%s' % (state.health,)
    return 0.0
