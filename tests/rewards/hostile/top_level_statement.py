# expect: is not allowed at top level
open('ENVGEN_HOSTILE_MARKER', 'w').write('executed')

def reward(prev, state, action):
    return state.health
