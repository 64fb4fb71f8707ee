# expect: unknown name 'os'
def reward(prev, state, action):
    key = os.environ['ANTHROPIC_API_KEY']
    return 0.0
