# expect: import
import os

def reward(prev, state, action):
    os.system('touch ENVGEN_HOSTILE_MARKER')
    return 0.0
