# expect: raise statement
def reward(prev, state, action):
    raise SystemExit(0)
