# expect: comparison `in`
def reward(prev, state, action):
    return 1.0 if 3 in state.inventory else 0.0
