# expect: must define `def reward
x = 1
