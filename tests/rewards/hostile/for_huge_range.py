# expect: runs 1000000 times
def reward(prev, state, action):
    total = 0.0
    for i in range(1000000):
        total = total + state.health
    return total
