"""Crafter's rules as pure functions: player action, survival counters, mobs, arrows and plants.

Every random number a step uses is drawn up front (``draw``), so the rules are a pure function of the
state, the action and the draws. Objects follow Crafter's object semantics: a mob whose health reaches 0
stays (blocking, hittable) until its own next update, which removes it and then still runs (a removed
zombie can hit, a removed skeleton can shoot, but neither moves); objects created during a step first
update on the next one. Every conditional write is gated on the event that causes it, so an all-false
mask never touches slot 0.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import struct

from envgen.envs.crafter import tables as tbl
from envgen.envs.crafter.constants import (
    ACH,
    CHUNK,
    DIRECTIONS,
    FURNACE,
    GRASS,
    LAVA,
    MAX_ITEM,
    OUT,
    PATH,
    PLANT,
    PLANT_RIPE_AGE,
    RIPE_PLANT,
    TABLE,
    TREE,
    UPDATE_DISTANCE,
    WATER,
    A,
    I,
)
from envgen.envs.crafter.state import Arrows, EnvParams, EnvState, Mobs, Plants, StaticEnvParams

DIRS = jnp.asarray(DIRECTIONS)


@struct.dataclass
class Draws:
    """Every random number one step of the object rules uses (chunk balancing draws its own)."""

    sapling: jax.Array  # () uniform: collecting a sapling from grass
    zombie_u: jax.Array  # (Z, 2) uniforms: chase, long axis
    zombie_dir: jax.Array  # (Z,) random direction index
    skeleton_u: jax.Array  # (S, 5) uniforms: retreat axis, shoot, approach, wander, approach axis
    skeleton_dir: jax.Array  # (S,)
    cow_u: jax.Array  # (C,) uniform: move
    cow_dir: jax.Array  # (C,)


def draw(key: jax.Array, static: StaticEnvParams) -> Draws:
    """Fresh draws for one step."""
    ks = jax.random.split(key, 7)
    u, d = jax.random.uniform, jax.random.randint
    return Draws(
        sapling=u(ks[0]),
        zombie_u=u(ks[1], (static.max_zombies, 2)), zombie_dir=d(ks[2], (static.max_zombies,), 0, 4),
        skeleton_u=u(ks[3], (static.max_skeletons, 5)), skeleton_dir=d(ks[4], (static.max_skeletons,), 0, 4),
        cow_u=u(ks[5], (static.max_cows,)), cow_dir=d(ks[6], (static.max_cows,), 0, 4))


# ---------------------------------------------------------------------------------------------------
# helpers
def daylight(time: jax.Array, params: EnvParams) -> jax.Array:
    """Crafter's daylight curve; 1.0 when the day/night cycle is off."""
    progress = (time / params.day_length) % 1.0 + 0.3
    light = 1.0 - jnp.abs(jnp.cos(jnp.pi * progress)) ** 3
    return jnp.where(params.daylight_cycle, light, 1.0).astype(jnp.float32)


def tile_at(tiles: jax.Array, pos: jax.Array) -> jax.Array:
    """Material at ``pos``, or OUT when outside the map."""
    n = tiles.shape[0]
    inside = jnp.all((pos >= 0) & (pos < n))
    return jnp.where(inside, tiles[jnp.clip(pos[0], 0, n - 1), jnp.clip(pos[1], 0, n - 1)], OUT)


def set_tile(tiles: jax.Array, pos: jax.Array, value, when: jax.Array) -> jax.Array:
    """Write ``value`` at ``pos`` only when ``when`` (and ``pos`` is on the map)."""
    n = tiles.shape[0]
    inside = jnp.all((pos >= 0) & (pos < n))
    x, y = jnp.clip(pos[0], 0, n - 1), jnp.clip(pos[1], 0, n - 1)
    return tiles.at[x, y].set(jnp.where(when & inside, jnp.asarray(value, tiles.dtype), tiles[x, y]))


def nearby_tiles(tiles: jax.Array, pos: jax.Array) -> jax.Array:
    """The 3x3 materials around ``pos`` (Crafter's ``nearby(pos, 1)``), OUT beyond the map edge."""
    n = tiles.shape[0]
    xs = pos[0] + jnp.arange(-1, 2)
    ys = pos[1] + jnp.arange(-1, 2)
    inside = ((xs >= 0) & (xs < n))[:, None] & ((ys >= 0) & (ys < n))[None, :]
    area = tiles[jnp.clip(xs, 0, n - 1)[:, None], jnp.clip(ys, 0, n - 1)[None, :]]
    return jnp.where(inside, area, OUT)


def l1(a: jax.Array, b: jax.Array) -> jax.Array:
    return jnp.abs(a - b).sum(-1)


def mob_at(mobs: Mobs | Arrows, pos: jax.Array) -> jax.Array:
    """Per-slot bool: an alive member stands on ``pos``."""
    return mobs.alive & jnp.all(mobs.pos == pos, axis=-1)


def occupied(state: EnvState, pos: jax.Array) -> jax.Array:
    """Is there an object (player, mob or arrow) on ``pos``?"""
    return (jnp.all(state.player_pos == pos) | mob_at(state.zombies, pos).any() | mob_at(state.cows, pos).any()
            | mob_at(state.skeletons, pos).any() | mob_at(state.arrows, pos).any())


def toward(src: jax.Array, dst: jax.Array, long_axis: jax.Array) -> jax.Array:
    """Crafter's ``Object.toward``: a unit step along the longer (or shorter) axis of the offset."""
    off = dst - src
    dist = jnp.abs(off)
    use_x = jnp.where(long_axis, dist[0] > dist[1], dist[0] <= dist[1])
    return jnp.where(use_x, jnp.array([1, 0]) * jnp.sign(off[0]), jnp.array([0, 1]) * jnp.sign(off[1]))


def is_plant(tile: jax.Array) -> jax.Array:
    return (tile == PLANT) | (tile == RIPE_PLANT)


def try_move(state: EnvState, pos: jax.Array, direction: jax.Array, want: jax.Array, removed=False):
    """Move a mob one tile if the target is walkable and free. Returns (new_pos, moved).

    As in Crafter, a live mob blocks its own tile (a zero step fails), while a removed one never moves
    but still reports success when the target is free (a removed skeleton that "retreats" does not shoot).
    """
    target = pos + direction
    free = T_IS_WALKABLE[tile_at(state.map, target)] & ~occupied(state, target)
    moved = want & free & (removed | jnp.any(direction != 0))
    return jnp.where(moved & ~removed, target, pos), moved


T_IS_WALKABLE = jnp.asarray(tbl.IS_WALKABLE)
T_IS_ARROW_PASSABLE = jnp.asarray(tbl.IS_ARROW_PASSABLE)


# ---------------------------------------------------------------------------------------------------
# player
def player_action(draws: Draws, state: EnvState, action: jax.Array, params: EnvParams) -> EnvState:
    """Apply the player's action (Crafter's ``Player.update`` up to the life-stat update)."""
    inv = state.inventory
    ach = state.achievements
    vitals = state.vitals
    # A sleeper keeps sleeping until energy is full, then wakes (wake_up) and acts normally.
    wake = state.sleeping & (vitals[3] >= MAX_ITEM)
    sleeping = state.sleeping & ~wake
    ach = ach.at[ACH["wake_up"]].set(ach[ACH["wake_up"]] | wake)
    action = jnp.where(sleeping, A["sleep"], action)

    # -- move
    is_move = (action >= A["move_left"]) & (action <= A["move_down"])
    new_dir = jnp.where(is_move, action - A["move_left"], state.player_dir)
    target = state.player_pos + DIRS[new_dir]
    target_tile = tile_at(state.map, target)
    blocked = occupied(state, target)
    can_walk = (T_IS_WALKABLE[target_tile] | (target_tile == LAVA)) & ~blocked
    moved = is_move & can_walk
    pos = jnp.where(moved, target, state.player_pos)
    on_lava = moved & (target_tile == LAVA)

    # -- do: attack a mob, eat a ripe plant, or collect from the facing material
    do = action == A["do"]
    damage = jnp.maximum(1, jnp.max(jnp.array([2, 3, 5]) * (inv[jnp.array([I["wood_sword"], I["stone_sword"],
                                                                          I["iron_sword"]])] > 0)))
    # A mob at 0 health is still there until its own update: hitting it counts as a defeat again, and a
    # dead cow can be eaten again, as in Crafter.
    z_hit, z_killed = _hit(state.zombies, target, do, damage)
    c_hit, c_killed = _hit(state.cows, target, do, damage)
    s_hit, s_killed = _hit(state.skeletons, target, do, damage)
    ate_cow = c_killed.any()
    ach = ach.at[ACH["defeat_zombie"]].set(ach[ACH["defeat_zombie"]] | z_killed.any())
    ach = ach.at[ACH["defeat_skeleton"]].set(ach[ACH["defeat_skeleton"]] | s_killed.any())
    ach = ach.at[ACH["eat_cow"]].set(ach[ACH["eat_cow"]] | ate_cow)
    any_object = blocked  # mobs and arrows are objects; "do" on an object never collects
    plant_tile = is_plant(target_tile)  # plants are objects too, shown as tiles
    eat_plant = do & ~any_object & (target_tile == RIPE_PLANT)
    ach = ach.at[ACH["eat_plant"]].set(ach[ACH["eat_plant"]] | eat_plant)
    plants = state.plants
    eaten = mob_at(plants, target) & eat_plant
    plants = plants.replace(grown=jnp.where(eaten, 0, plants.grown))

    on_material = do & ~any_object & ~plant_tile
    req = jnp.asarray(tbl.COLLECT_REQ)[target_tile]
    get = jnp.asarray(tbl.COLLECT_GET)[target_tile]
    has_req = (req < 0) | (inv[jnp.maximum(req, 0)] > 0)
    collect = on_material & (get >= 0) & has_req
    leave = jnp.asarray(tbl.COLLECT_LEAVE)[target_tile]
    leave = jnp.where((target_tile == TREE) & params.trees_deplete, GRASS, leave)
    tiles = set_tile(state.map, target, leave, collect & (leave >= 0))
    tiles = set_tile(tiles, target, PLANT, eat_plant)
    inv = inv.at[jnp.maximum(get, 0)].add(collect.astype(jnp.int32))
    coll_ach = jnp.asarray(tbl.COLLECT_ACH)[target_tile]
    ach = ach.at[jnp.maximum(coll_ach, 0)].set(ach[jnp.maximum(coll_ach, 0)] | (collect & (coll_ach >= 0)))
    drink = on_material & (target_tile == WATER)
    sapling = on_material & (target_tile == GRASS) & (draws.sapling < params.sapling_prob)
    inv = inv.at[I["sapling"]].add(sapling.astype(jnp.int32))
    ach = ach.at[tbl.ACH_COLLECT_DRINK].set(ach[tbl.ACH_COLLECT_DRINK] | drink)
    ach = ach.at[tbl.ACH_COLLECT_SAPLING].set(ach[tbl.ACH_COLLECT_SAPLING] | sapling)

    # -- place
    p = jnp.clip(action - tbl.FIRST_PLACE_ACTION, 0, len(tbl.PLACE_TILE) - 1)
    is_place = (action >= tbl.FIRST_PLACE_ACTION) & (action < tbl.FIRST_PLACE_ACTION + len(tbl.PLACE_TILE))
    p_item = jnp.asarray(tbl.PLACE_ITEM)[p]
    p_cost = jnp.asarray(tbl.PLACE_COST)[p]
    p_tile = jnp.asarray(tbl.PLACE_TILE)[p]
    free_plant = ~plants.alive
    placed = (is_place & ~any_object & jnp.asarray(tbl.PLACE_ALLOWED)[p, target_tile]
              & (inv[p_item] >= p_cost) & ((p_tile != PLANT) | free_plant.any()))
    tiles = set_tile(tiles, target, p_tile, placed)
    plants = _add_plant(plants, target, placed & (p_tile == PLANT))
    inv = inv.at[p_item].add(-p_cost * placed)
    p_ach = jnp.asarray(tbl.PLACE_ACH)[p]
    ach = ach.at[p_ach].set(ach[p_ach] | placed)

    # -- make (needs a table, and a furnace for iron tools, in the 3x3 area around the player)
    m = jnp.clip(action - tbl.FIRST_MAKE_ACTION, 0, len(tbl.MAKE_ITEM) - 1)
    is_make = (action >= tbl.FIRST_MAKE_ACTION) & (action < tbl.FIRST_MAKE_ACTION + len(tbl.MAKE_ITEM))
    area = nearby_tiles(state.map, pos)
    near_table = jnp.any(area == TABLE)
    near_furnace = jnp.any(area == FURNACE)
    cost = jnp.asarray(tbl.MAKE_COST)[m]
    made = (is_make & near_table & (near_furnace | ~jnp.asarray(tbl.MAKE_FURNACE)[m])
            & jnp.all(inv >= cost))
    inv = inv - cost * made
    inv = inv.at[jnp.asarray(tbl.MAKE_ITEM)[m]].add(made.astype(jnp.int32))
    m_ach = jnp.asarray(tbl.MAKE_ACH)[m]
    ach = ach.at[m_ach].set(ach[m_ach] | made)

    # -- sleep
    sleeping = sleeping | ((action == A["sleep"]) & (vitals[3] < MAX_ITEM))

    food = vitals[1] + 6 * ate_cow + 4 * eat_plant
    drink_v = vitals[2] + drink
    health = jnp.where(on_lava, 0, vitals[0])
    return state.replace(
        map=tiles, plants=plants, player_pos=pos, player_dir=new_dir,
        vitals=jnp.stack([health, food, drink_v, vitals[3]]).astype(jnp.int32), inventory=inv,
        achievements=ach, sleeping=sleeping,
        hunger=jnp.where(ate_cow, 0.0, state.hunger), thirst=jnp.where(drink, 0.0, state.thirst),
        zombies=state.zombies.replace(health=z_hit), cows=state.cows.replace(health=c_hit),
        skeletons=state.skeletons.replace(health=s_hit),
    )


def _hit(mobs: Mobs, target: jax.Array, do: jax.Array, damage: jax.Array):
    """The player's attack on ``target``: (new healths, per-slot "health reached 0 by this hit")."""
    hit = mob_at(mobs, target) & do
    health = jnp.maximum(mobs.health - damage * hit, 0)  # Crafter clamps health at 0
    return health, hit & (health <= 0)


def _add_plant(plants: Plants, pos: jax.Array, when: jax.Array) -> Plants:
    """A new sapling in the first free slot (grown 0, undamaged) when ``when``."""
    slot = jnp.argmax(~plants.alive)
    return plants.replace(
        pos=plants.pos.at[slot].set(jnp.where(when, pos, plants.pos[slot])),
        grown=plants.grown.at[slot].set(jnp.where(when, 0, plants.grown[slot])),
        damaged=plants.damaged.at[slot].set(plants.damaged[slot] & ~when),
        alive=plants.alive.at[slot].set(plants.alive[slot] | when))


def life_stats(state: EnvState) -> EnvState:
    """Hunger, thirst, fatigue and recovery counters with Crafter's thresholds; clamp; wake if hurt."""
    sl = state.sleeping
    health, food, drink, energy = state.vitals
    hunger = state.hunger + jnp.where(sl, 0.5, 1.0)
    food = food - (hunger > 25)
    hunger = jnp.where(hunger > 25, 0.0, hunger)
    thirst = state.thirst + jnp.where(sl, 0.5, 1.0)
    drink = drink - (thirst > 20)
    thirst = jnp.where(thirst > 20, 0.0, thirst)
    fatigue = jnp.where(sl, jnp.minimum(state.fatigue - 1, 0.0), state.fatigue + 1)
    energy = energy + (fatigue < -10) - (fatigue > 30)
    fatigue = jnp.where((fatigue < -10) | (fatigue > 30), 0.0, fatigue)
    ok = (food > 0) & (drink > 0) & ((energy > 0) | sl)
    recover = state.recover + jnp.where(ok, jnp.where(sl, 2.0, 1.0), jnp.where(sl, -0.5, -1.0))
    health = health + (recover > 25) - (recover < -15)
    recover = jnp.where((recover > 25) | (recover < -15), 0.0, recover)
    vitals = jnp.clip(jnp.stack([health, food, drink, energy]), 0, MAX_ITEM).astype(jnp.int32)
    hurt = vitals[0] < state.last_health
    return state.replace(
        vitals=vitals, inventory=jnp.clip(state.inventory, 0, MAX_ITEM), hunger=hunger, thirst=thirst,
        fatigue=fatigue, recover=recover, sleeping=sl & ~hurt, last_health=vitals[0])


# ---------------------------------------------------------------------------------------------------
# mobs
def _hurt_player(state: EnvState, amount: jax.Array) -> EnvState:
    vitals = state.vitals.at[0].set(jnp.maximum(state.vitals[0] - amount, 0))
    return state.replace(vitals=vitals)


def creation_order(group: Mobs | Arrows) -> jax.Array:
    """Slot indices oldest first (free slots last): Crafter updates objects in the order they were made."""
    return jnp.argsort(jnp.where(group.alive, group.born, jnp.iinfo(jnp.int32).max))


def _begin_update(mobs: Mobs, i, player_pos: jax.Array):
    """Start mob ``i``'s update: (mobs, updating, removed).

    Only mobs within Crafter's update distance update; one at 0 health is removed first (so it no
    longer blocks) and the rest of its update still runs, without moving.
    """
    updating = mobs.alive[i] & (l1(mobs.pos[i], player_pos) < UPDATE_DISTANCE)
    removed = updating & (mobs.health[i] <= 0)
    return mobs.replace(alive=mobs.alive.at[i].set(mobs.alive[i] & ~removed)), updating, removed


def update_zombies(draws: Draws, state: EnvState, params: EnvParams) -> EnvState:
    """Zombies chase the player within 8 tiles (90%) and hit when adjacent, then cool down 5 steps."""
    u, rand_dir = draws.zombie_u, draws.zombie_dir
    order = creation_order(state.zombies)

    def body(k, st: EnvState) -> EnvState:
        i = order[k]
        z, active, removed = _begin_update(st.zombies, i, st.player_pos)
        st = st.replace(zombies=z)
        pos = z.pos[i]
        dist = l1(pos, st.player_pos)
        chase = (dist <= 8) & (u[i, 0] < 0.9)
        direction = jnp.where(chase, toward(pos, st.player_pos, u[i, 1] < 0.8), DIRS[rand_dir[i]])
        new_pos, _ = try_move(st, pos, direction, active, removed)
        near = active & (l1(new_pos, st.player_pos) <= 1)
        cooling = z.cooldown[i] > 0
        attack = near & ~cooling
        dmg = jnp.where(st.sleeping, params.zombie_sleep_damage, params.zombie_damage)
        st = _hurt_player(st, jnp.where(attack, dmg, 0))
        cooldown = jnp.where(near & cooling, z.cooldown[i] - 1, jnp.where(attack, 5, z.cooldown[i]))
        z = z.replace(pos=z.pos.at[i].set(new_pos), cooldown=z.cooldown.at[i].set(cooldown))
        return st.replace(zombies=z)

    return jax.lax.fori_loop(0, state.zombies.alive.shape[0], body, state)


def update_cows(draws: Draws, state: EnvState) -> EnvState:
    """Cows wander: half of the time they try a random step."""
    order = creation_order(state.cows)

    def body(k, st: EnvState) -> EnvState:
        i = order[k]
        c, active, removed = _begin_update(st.cows, i, st.player_pos)
        st = st.replace(cows=c)
        new_pos, _ = try_move(st, c.pos[i], DIRS[draws.cow_dir[i]], active & (draws.cow_u[i] < 0.5), removed)
        return st.replace(cows=c.replace(pos=c.pos.at[i].set(new_pos)))

    return jax.lax.fori_loop(0, state.cows.alive.shape[0], body, state)


def update_skeletons(draws: Draws, state: EnvState) -> EnvState:
    """Skeletons keep their distance, shoot arrows within 5 tiles, approach within 8."""
    u, rand_dir = draws.skeleton_u, draws.skeleton_dir
    order = creation_order(state.skeletons)
    n = state.skeletons.alive.shape[0]

    def body(k, st: EnvState) -> EnvState:
        i = order[k]
        s, active, removed = _begin_update(st.skeletons, i, st.player_pos)
        st = st.replace(skeletons=s)
        pos = s.pos[i]
        dist = l1(pos, st.player_pos)
        reload = jnp.where(active, jnp.maximum(s.cooldown[i] - 1, 0), s.cooldown[i])
        retreat_dir = -toward(pos, st.player_pos, u[i, 0] < 0.6)
        pos1, retreated = try_move(st, pos, retreat_dir, active & (dist <= 3), removed)
        rest = active & ~retreated
        shoot = rest & (dist <= 5) & (u[i, 1] < 0.5)
        approach = rest & ~shoot & (dist <= 8) & (u[i, 2] < 0.3)
        wander = rest & ~shoot & ~approach & (u[i, 3] < 0.2)
        move_dir = jnp.where(approach, toward(pos, st.player_pos, u[i, 4] < 0.6), DIRS[rand_dir[i]])
        pos2, _ = try_move(st, pos1, move_dir, approach | wander, removed)
        # Shooting: needs a loaded bow, a free arrow-passable tile in front, and a free arrow slot.
        aim = toward(pos, st.player_pos, jnp.array(True))
        arrow_pos = pos + aim
        free_slot = ~st.arrows.alive
        can_shoot = (shoot & (reload == 0) & jnp.any(aim != 0)
                     & T_IS_ARROW_PASSABLE[tile_at(st.map, arrow_pos)] & ~occupied(st, arrow_pos)
                     & free_slot.any())
        slot = jnp.argmax(free_slot)
        arrows = st.arrows
        arrows = arrows.replace(
            pos=arrows.pos.at[slot].set(jnp.where(can_shoot, arrow_pos, arrows.pos[slot])),
            direction=arrows.direction.at[slot].set(jnp.where(can_shoot, aim, arrows.direction[slot])),
            alive=arrows.alive.at[slot].set(arrows.alive[slot] | can_shoot),
            born=arrows.born.at[slot].set(jnp.where(can_shoot, st.time * n + k, arrows.born[slot])))
        reload = jnp.where(can_shoot, 4, reload)
        s = s.replace(pos=s.pos.at[i].set(pos2), cooldown=s.cooldown.at[i].set(reload))
        return st.replace(skeletons=s, arrows=arrows)

    return jax.lax.fori_loop(0, state.skeletons.alive.shape[0], body, state)


def update_arrows(state: EnvState, params: EnvParams, existed: jax.Array) -> EnvState:
    """Arrows fly straight; they damage what they hit and break tables and furnaces into path.

    Only arrows in ``existed`` (alive when the step began) move: one shot this step first moves on the
    next. A mob or plant brought to 0 health stays until its own next update.
    """
    n = state.arrows.alive.shape[0]
    order = creation_order(state.arrows)

    def body(k, st: EnvState) -> EnvState:
        i = order[k]
        a = st.arrows
        active = a.alive[i] & existed[i] & (l1(a.pos[i], st.player_pos) < UPDATE_DISTANCE)
        target = a.pos[i] + a.direction[i]
        tile = tile_at(st.map, target)
        hit_player = active & jnp.all(target == st.player_pos)
        hit_z = active & mob_at(st.zombies, target)
        hit_c = active & mob_at(st.cows, target)
        hit_s = active & mob_at(st.skeletons, target)
        hit_p = active & mob_at(st.plants, target)
        hit_obj = hit_player | hit_z.any() | hit_c.any() | hit_s.any() | hit_p.any()
        blocked = active & ~hit_obj & ~T_IS_ARROW_PASSABLE[tile]
        breaks = blocked & ((tile == TABLE) | (tile == FURNACE))
        tiles = set_tile(st.map, target, PATH, breaks)
        dmg = params.arrow_damage
        st = _hurt_player(st, jnp.where(hit_player, dmg, 0))
        st = st.replace(
            map=tiles,
            zombies=_arrow_damage(st.zombies, hit_z, dmg),
            cows=_arrow_damage(st.cows, hit_c, dmg),
            skeletons=_arrow_damage(st.skeletons, hit_s, dmg),
            plants=st.plants.replace(damaged=st.plants.damaged | hit_p))  # a plant has one health point
        stop = hit_obj | blocked
        fly = active & ~stop
        # Arrows are objects too: another arrow in the way stops this one without damage.
        other_arrow = (mob_at(a, target) & (jnp.arange(n) != i)).any()
        fly_to = fly & ~other_arrow
        a = a.replace(pos=a.pos.at[i].set(jnp.where(fly_to, target, a.pos[i])),
                      alive=a.alive.at[i].set(a.alive[i] & ~stop & ~(fly & other_arrow)))
        return st.replace(arrows=a)

    return jax.lax.fori_loop(0, n, body, state)


def _arrow_damage(mobs: Mobs, hit: jax.Array, dmg) -> Mobs:
    return mobs.replace(health=jnp.maximum(mobs.health - dmg * hit, 0))


def update_plants(state: EnvState, existed: jax.Array) -> EnvState:
    """Crafter's ``Plant.update`` for every plant near the player that existed when the step began.

    A plant grows one step, loses its single health point when a zombie, cow or skeleton stands next to
    it, and is removed (its tile becomes grass) once its health is 0; a grown plant shows as ripe.
    """
    p = state.plants
    n = state.map.shape[0]
    updating = p.alive & existed & (l1(p.pos, state.player_pos) < UPDATE_DISTANCE)
    grown = jnp.minimum(p.grown + updating, PLANT_RIPE_AGE + 1)
    mob_pos = jnp.concatenate([state.zombies.pos, state.cows.pos, state.skeletons.pos])
    mob_alive = jnp.concatenate([state.zombies.alive, state.cows.alive, state.skeletons.alive])
    adjacent = ((l1(p.pos[:, None, :], mob_pos[None, :, :]) == 1) & mob_alive[None, :]).any(axis=1)
    gone = updating & (p.damaged | adjacent)
    tile = jnp.where(gone, GRASS, jnp.where(grown > PLANT_RIPE_AGE, RIPE_PLANT, PLANT)).astype(state.map.dtype)
    # Live plants sit on distinct tiles; slots that do not update write out of range and are dropped.
    x = jnp.where(updating, p.pos[:, 0], n)
    tiles = state.map.at[x, p.pos[:, 1]].set(tile, mode="drop")
    return state.replace(map=tiles, plants=p.replace(grown=grown, alive=p.alive & ~gone))


def mark_chunks(state: EnvState) -> EnvState:
    """Remember every chunk that now holds an object (Crafter balances only chunks that ever held one)."""
    nc = state.chunks_seen.shape[0]
    groups = (state.zombies, state.cows, state.skeletons, state.arrows, state.plants)
    pos = jnp.concatenate([state.player_pos[None], *(g.pos for g in groups)])
    alive = jnp.concatenate([jnp.ones((1,), bool), *(g.alive for g in groups)])
    chunk = jnp.clip(pos // CHUNK, 0, nc - 1)
    ids = chunk[:, 0] * nc + chunk[:, 1]
    hit = ((jnp.arange(nc * nc)[:, None] == ids[None, :]) & alive[None, :]).any(axis=1)
    return state.replace(chunks_seen=state.chunks_seen | hit.reshape(nc, nc))
