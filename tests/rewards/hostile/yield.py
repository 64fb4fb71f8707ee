# expect: yield
def reward(prev, state, action):
    yield state.health
    return 0.0
