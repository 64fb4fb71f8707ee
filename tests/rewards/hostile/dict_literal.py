# expect: dict literal
def reward(prev, state, action):
    d = {1: state.health}
    return 0.0
