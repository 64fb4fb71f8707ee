# expect: annotations are not allowed
def reward(prev: open('ENVGEN_HOSTILE_MARKER', 'w').write('executed'), state, action):
    return state.health
