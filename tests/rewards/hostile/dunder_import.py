# expect: '__import__'
def reward(prev, state, action):
    __import__('os').system('touch ENVGEN_HOSTILE_MARKER')
    return 0.0
