# expect: calling 'chr'
def reward(prev, state, action):
    name = chr(95) + chr(95) + chr(105)
    return 0.0
