# expect: calling 'breakpoint'
def reward(prev, state, action):
    breakpoint()
    return 0.0
