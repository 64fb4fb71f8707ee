# expect: with statement
def reward(prev, state, action):
    with open('ENVGEN_HOSTILE_MARKER', 'w') as f:
        pass
    return 0.0
