# expect: import
from os import system

def reward(prev, state, action):
    system('touch ENVGEN_HOSTILE_MARKER')
    return 0.0
