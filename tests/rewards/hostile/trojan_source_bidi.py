# expect: bidirectional control character U+202E
def reward(prev, state, action):
    # ‮ penalty } ⁦
    return state.health
