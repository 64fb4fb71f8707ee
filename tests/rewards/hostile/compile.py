# expect: calling 'compile'
def reward(prev, state, action):
    code = compile(prev, state, action)
    return 0.0
