# expect: decorators are not allowed
@(lambda f: open('ENVGEN_HOSTILE_MARKER', 'w').write('executed'))
def reward(prev, state, action):
    return state.health
