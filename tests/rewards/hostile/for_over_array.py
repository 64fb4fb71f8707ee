# expect: only run over `range(K)`
def reward(prev, state, action):
    total = 0.0
    for x in state.inventory:
        total = total + x
    return total
