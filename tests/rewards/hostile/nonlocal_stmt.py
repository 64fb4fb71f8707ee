# expect: nonlocal statement
def reward(prev, state, action):
    nonlocal x
    return 0.0
