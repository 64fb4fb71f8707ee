# expect: calling 'exit'
def reward(prev, state, action):
    exit(1)
    return 0.0
