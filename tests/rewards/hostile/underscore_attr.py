# expect: '_' are not allowed
def reward(prev, state, action):
    return state._fields
