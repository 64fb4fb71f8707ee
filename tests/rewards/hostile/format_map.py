# expect: strings are not allowed
def reward(prev, state, action):
    leak = '{x}'.format_map(prev)
    return 0.0
