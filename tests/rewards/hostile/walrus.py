# expect: walrus
def reward(prev, state, action):
    return (x := state.health)
