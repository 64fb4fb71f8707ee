# expect: must not be assigned elsewhere
def reward(prev, state, action):
    t = 0.0
    for i in range(3):
        i = state.pos[0]
        t = t + state.inventory[i]
    return t
