# expect: loops unroll
def reward(prev, state, action):
    t = 0.0
    for i in range(16):
        for j in range(16):
            for k in range(16):
                t = t + state.health * 2.0 + state.goal_dist * 3.0 + 1.0
    return t
