# expect: state.secret_key is not a field
def reward(prev, state, action):
    return state.secret_key
