# expect: lambda
def reward(prev, state, action):
    f = lambda x: x
    return f(state.health)
