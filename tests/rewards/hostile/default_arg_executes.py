# expect: no defaults
def reward(prev, state, action=open('ENVGEN_HOSTILE_MARKER', 'w').write('executed')):
    return state.health
