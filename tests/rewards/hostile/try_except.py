# expect: try statement
def reward(prev, state, action):
    try:
        x = 1.0
    except Exception:
        x = 0.0
    return x
