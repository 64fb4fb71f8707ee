# expect: decorators are not allowed
@print
def reward(prev, state, action):
    return state.health
