# expect: lists and tuples are only allowed
def reward(prev, state, action):
    xs = [state.health] * 1000000
    ys = xs * 1000000
    return 0.0
