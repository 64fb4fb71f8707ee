# expect: signature must be exactly
def reward(*args, **kwargs):
    return 0.0
