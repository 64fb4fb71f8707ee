# expect: calling 'open'
def reward(prev, state, action):
    open('ENVGEN_HOSTILE_MARKER', 'w').write('executed')
    return 0.0
