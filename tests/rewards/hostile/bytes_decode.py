# expect: bytes are not allowed
def reward(prev, state, action):
    name = b'\x5f\x5fimport\x5f\x5f'.decode()
    return 0.0
