# expect: comparison `is`
def reward(prev, state, action):
    return 1.0 if state.health is state.health else 0.0
