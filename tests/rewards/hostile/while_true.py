# expect: while loop
def reward(prev, state, action):
    while True:
        pass
    return 0.0
