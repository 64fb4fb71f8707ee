# expect: async
async def reward(prev, state, action):
    await state.health
    return 0.0
