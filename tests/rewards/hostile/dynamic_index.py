# expect: indices must be constant
def reward(prev, state, action):
    return state.inventory[state.pos[0]] * 1.0
