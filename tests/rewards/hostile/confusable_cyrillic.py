# expect: U+0441 (CYRILLIC SMALL LETTER ES)
def reward(prev, state, action):
    score = state.health - prev.health
    sсore = -score
    return -sсore
