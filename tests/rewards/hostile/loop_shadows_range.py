# expect: loop variable cannot be named 'range'
def reward(prev, state, action):
    t = 0.0
    for range in range(3):
        t = t + state.health
    return t
