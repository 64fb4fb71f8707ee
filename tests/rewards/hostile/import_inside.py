# expect: import
def reward(prev, state, action):
    import os
    os.system('touch ENVGEN_HOSTILE_MARKER')
    return 0.0
