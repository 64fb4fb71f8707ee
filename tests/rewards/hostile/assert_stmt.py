# expect: assert statement
def reward(prev, state, action):
    assert state.health
    return 0.0
