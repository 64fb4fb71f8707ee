# expect: class definition
def reward(prev, state, action):
    class Evil:
        open('ENVGEN_HOSTILE_MARKER', 'w').write('executed')
    return 0.0
