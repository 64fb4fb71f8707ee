# expect: f-string
def reward(prev, state, action):
    leak = f'{state!r}'
    return 0.0
