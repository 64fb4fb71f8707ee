# expect: nested function definition
def reward(prev, state, action):
    def f(n):
        return f(n + 1)
    return f(0)
