# expect: calling 'open'
def reward(prev, state, action):
    data = open('/etc/passwd').read()
    return 0.0
