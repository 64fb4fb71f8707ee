# expect: got `reward(a, b, c)`
def reward(a, b, c):
    return 0.0
