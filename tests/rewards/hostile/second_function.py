# expect: another function `def helper`
def reward(prev, state, action):
    return state.health

def helper():
    open('ENVGEN_HOSTILE_MARKER', 'w').write('executed')
