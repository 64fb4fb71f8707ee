# expect: calling 'exec'
def reward(prev, state, action):
    exec(state)
    return 0.0
