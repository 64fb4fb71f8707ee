# expect: non-ASCII character U+FF4F
def reward(prev, state, action):
    ｏｐｅｎ('ENVGEN_HOSTILE_MARKER', 'w')
    return 0.0
