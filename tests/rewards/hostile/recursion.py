# expect: calling 'reward'
def reward(prev, state, action):
    return reward(prev, state, action)
