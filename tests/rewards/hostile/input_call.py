# expect: calling 'input'
def reward(prev, state, action):
    return input()
