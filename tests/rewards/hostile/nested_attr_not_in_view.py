# expect: state.stats.password is not a field
def reward(prev, state, action):
    return state.stats.password
