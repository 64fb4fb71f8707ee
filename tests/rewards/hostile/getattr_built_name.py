# expect: calling 'getattr'
def reward(prev, state, action):
    g = getattr(state, '__cl' + 'ass__')
    return 0.0
