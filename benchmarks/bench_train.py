"""End-to-end PPO training throughput (rollout + update): envgen vs the same PPO and network on the peers,
and envgen's scaling over forced host devices.

The peers run through thin adapters to the gymnax v1 contract the student trains on, so the PPO code,
the network (an MLP over each side's observation; navix is shown to it exactly as envgen's MiniGrid
is), the batch and every hyperparameter are the same; only the simulator differs. Observations, rewards
and dones are consumed by the learner, so nothing is dead code. envgen's time includes its per-chunk
level refresh. envgen's MiniGrid is built for its run's tasks (``env.fitted(params)``: an 8x8 static grid
for DoorKey-8x8, as navix steps an 8x8 one). The same PPO on a stand-in env that costs nothing
(``LearnerOnly``) is timed in the same rounds, so the table says how much of a chunk the simulator is.

    python benchmarks/bench_train.py --write                    # peers side by side, default batch
    python benchmarks/bench_train.py --scaling 1,2,4 --write    # 1, 2, 4 devices (forced host devices on CPU)
    python benchmarks/bench_train.py --learning DoorKey-5x5 --seeds 5 --write   # learning equivalence
    python benchmarks/bench_train.py --check-peer DoorKey-8x8 --eval-episodes 1024   # random-policy success
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def _force_host_devices(argv: list[str]) -> None:
    """``--scaling N,...`` on CPU needs max(N) host devices, which XLA reads when the backend starts (the
    imports below may start it), so the flag is set first. It does not affect GPU devices."""
    if "--scaling" not in argv or "xla_force_host_platform_device_count" in os.environ.get("XLA_FLAGS", ""):
        return
    counts = argv[argv.index("--scaling") + 1].split(",")
    flag = f"--xla_force_host_platform_device_count={max(int(c) for c in counts)}"
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flag}".strip()


_force_host_devices(sys.argv)

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from flax import struct  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DOC, Loop, machine, markdown_table, need_peer, time_interleaved, write_section  # noqa: E402


class _Space:
    def __init__(self, n=None, shape=()):
        self.n, self.shape = n, shape


def occluded_first_person(state):
    """navix's symbolic first-person view with MiniGrid's occlusion (``process_vis``, envgen's port of it)
    applied: cells behind walls and closed doors read as unseen (0, 0, 0), as MiniGrid's DoorKey shows
    them (``see_through_walls=False``). navix's own view has no occlusion."""
    need_peer("navix")
    from navix.observations import symbolic_first_person

    from envgen.envs.minigrid.observe import see_through, visibility

    image = symbolic_first_person(state)  # [vy, vx, 3], the agent at (6, 3) facing up: envgen's layout
    visible = visibility(see_through(image[..., 0], image[..., 2]))
    return jnp.where(visible[..., None], image, jnp.uint8(0))


def _front(state):
    need_peer("navix")
    from navix.grid import translate

    player = state.get_player()
    return player, translate(player.position, player.direction)


def minigrid_drop(state):
    """MiniGrid's drop for navix: the carried key goes to the cell in front when that cell is truly empty
    (floor, no entity: not the goal, not a door). navix 0.7.4's ``drop`` is a no-op (it discards the state
    its ``set_entity`` returns), so a navix agent can never put the key down."""
    need_peer("navix")
    from navix.components import DISCARD_PILE_COORDS, EMPTY_POCKET_ID
    from navix.grid import positions_equal

    player, front = _front(state)
    empty = state.grid[tuple(front)] == 0
    for entity in state.entities.values():
        empty &= ~jnp.any(positions_equal(entity.position, front))
    can = empty & (player.pocket != EMPTY_POCKET_ID)
    keys = state.get_keys()
    held = can & positions_equal(keys.position, DISCARD_PILE_COORDS)
    keys = keys.replace(position=jnp.where(held[:, None], front, keys.position))
    return state.set_keys(keys).set_player(player.replace(pocket=jnp.where(can, EMPTY_POCKET_ID, player.pocket)))


def minigrid_toggle(state):
    """MiniGrid's toggle for navix: navix's (a locked door unlocks and opens with its key, which is kept;
    a closed door opens), and an open door in front closes again, which navix never does."""
    need_peer("navix")
    from navix.actions import toggle
    from navix.grid import positions_equal

    _, front = _front(state)
    close = positions_equal(front, state.get_doors().position) & state.get_doors().open
    state = toggle(state)
    doors = state.get_doors()
    return state.set_doors(doors.replace(open=jnp.where(close, False, doors.open)))


class NavixMiniGrid:
    """A navix MiniGrid env under the gymnax-v1 contract the student trains on, seen the way envgen's
    MiniGrid is seen: the egocentric 7x7 (type, colour, state) view indexed ``[vy, vx]`` with the agent at
    the bottom centre facing up and the carried object drawn in its cell (navix's crop already has this
    layout), the direction, and a (constant) mission.

    navix's own auto-reset spends the step after a done on the reset (a transition that crosses the
    episode boundary); here the reset happens within the step, as in gymnax, and the observation before
    it goes out as ``final_observation``. navix already computes both branches of its reset ``cond``
    under ``vmap``, so this costs what navix's own step costs. ``time_penalty`` is MiniGrid's
    ``1 - 0.9 * t / max_steps`` success reward (navix's default pays a flat 1).

    ``minigrid=True`` (the learning comparison; it needs a ``DoorKey-Random`` env) makes the task
    MiniGrid's DoorKey rather than navix's: MiniGrid's occlusion in the view (:func:`occluded_first_person`),
    MiniGrid's level distribution (:meth:`_minigrid_level`) and, unless ``minigrid_rules=False``, MiniGrid's
    drop and toggle (:func:`minigrid_drop`, :func:`minigrid_toggle`). The throughput table keeps navix's
    own view, levels and rules.
    """

    # the same observation layout, hence the same network, as envgen's MiniGrid (the navix env is ``nx``:
    # the student looks through an ``env`` attribute for a wrapped family env)
    family = "minigrid"

    def __init__(self, name: str, max_steps: int, time_penalty: float = 0.9, minigrid: bool = False,
                 minigrid_rules: bool | None = None):
        need_peer("navix")
        import navix as nx
        from navix import observations

        if minigrid and "Random" not in name:
            raise ValueError(f"NavixMiniGrid(minigrid=True) needs a DoorKey-Random env (a random start), got {name}")
        self.minigrid = minigrid
        self.nx = nx.make(name, max_steps=max_steps, observation_fn=observations.symbolic_first_person,
                          penality_coeff=time_penalty)
        if minigrid:  # after make: navix derives the observation space only from its own view functions
            self.nx = self.nx.replace(observation_fn=occluded_first_person)
        if minigrid if minigrid_rules is None else minigrid_rules:
            actions = list(self.nx.action_set)  # MiniGrid's order: left, right, forward, pickup, drop, toggle, done
            actions[4], actions[5] = minigrid_drop, minigrid_toggle
            self.nx = self.nx.replace(action_set=tuple(actions))

    def action_space(self, params=None):
        return _Space(n=int(self.nx.action_space.n))

    def _obs(self, ts) -> dict:
        need_peer("navix")
        from navix.components import EMPTY_POCKET_ID

        image = ts.observation
        player = ts.state.get_player()
        carried = player.pocket != EMPTY_POCKET_ID  # only DoorKey's key can be carried in these tasks
        agent_cell = jnp.where(carried, jnp.array([5, 4, 0], jnp.uint8), image[6, 3])
        return {"image": image.at[6, 3].set(agent_cell), "direction": player.direction.astype(jnp.int32),
                "mission": jnp.zeros((5,), jnp.int32)}

    def _minigrid_level(self, key, ts):
        """MiniGrid's DoorKey level from a navix DoorKey-Random one. navix already draws the wall column in
        [2, W-3], the agent uniformly left of it and the key uniformly left of it off the agent's cell, as
        MiniGrid does; three things differ and are set here: the goal sits in the bottom-right corner
        (navix: a random cell right of the wall), the door row is uniform on [1, H-3] (navix also uses
        H-2; a door drawn there moves to a uniform row in [1, H-3] and swaps with that row's wall cell,
        which makes every row in [1, H-3] equally likely), and the agent's direction is drawn on its own
        (navix draws it from the key it also draws the key's cell with)."""
        h, w = self.nx.height, self.nx.width
        k_row, k_dir = jax.random.split(jax.random.fold_in(key, 1))
        ents = dict(ts.state.entities)
        door = ents["door"]
        row, col = door.position[0, 0], door.position[0, 1]
        new_row = jnp.where(row == h - 2, jax.random.randint(k_row, (), 1, h - 2), row)
        walls = ents["wall"]
        swap = (walls.position[:, 0] == new_row) & (walls.position[:, 1] == col)
        ents["wall"] = walls.replace(position=jnp.where(swap[:, None], jnp.stack([row, col]), walls.position))
        ents["door"] = door.replace(position=door.position.at[0, 0].set(new_row))
        ents["goal"] = ents["goal"].replace(position=jnp.full_like(ents["goal"].position, jnp.array([h - 2, w - 2])))
        player = ents["player"]
        ents["player"] = player.replace(direction=jax.random.randint(k_dir, player.direction.shape, 0, 4)
                                        .astype(player.direction.dtype))
        state = ts.state.replace(entities=ents)
        return ts.replace(state=state, observation=self.nx.observation_fn(state))

    def _reset(self, key, cache=None):
        ts = self.nx.reset(key, cache)
        return self._minigrid_level(key, ts) if self.minigrid else ts

    def reset(self, key, params=None):
        ts = self._reset(key)
        return self._obs(ts), ts

    def step(self, key, ts, action, params=None):
        after = self.nx._step(ts, action)
        fresh = self._reset(key, after.state.cache)
        done = after.is_done()
        state = jax.tree.map(lambda a, b: jnp.where(done, a, b), fresh, after)
        return (self._obs(state), state, after.reward, after.is_termination(), after.is_truncation(),
                {"final_observation": self._obs(after)})


class LearnerOnly:
    """A stand-in env that costs (almost) nothing, with MiniGrid's observation layout: the same PPO and
    network on it time the learner alone, so the table can say how much of a chunk the simulator is and
    what ratio against a peer is reachable at all. Observations, rewards and dones vary with a counter the
    actions drive, so nothing is constant-folded; episodes end every 97 steps on average."""

    family = "minigrid"

    def action_space(self, params=None):
        return _Space(n=7)

    def _obs(self, t):
        return {"image": (jnp.full((7, 7, 3), t, jnp.int32) % 3).astype(jnp.uint8), "direction": t % 4,
                "mission": jnp.zeros((5,), jnp.int32)}

    def reset(self, key, params=None):
        return self._obs(jnp.int32(0)), jnp.int32(0)

    def step(self, key, t, action, params=None):
        t = t + 1 + action
        done = t % 97 == 0
        return (self._obs(t), t, (t % 5 == 0).astype(jnp.float32), done, jnp.zeros_like(done),
                {"final_observation": self._obs(t)})


class CraftaxAdapter:
    """Craftax-Classic-Symbolic under the optimistic reset of Craftax's own PPO baseline (its fastest
    setting; ``benchmarks/bench_crafter.py``). Done counts as termination (Craftax reports no truncation);
    the episode's achievements go out in envgen's order, so success is measured the same way."""

    def __init__(self, num_envs: int, reset_ratio: int = 16):
        from bench_crafter import optimistic_step
        need_peer("craftax")
        from craftax.craftax_env import make_craftax_env_from_name

        from envgen.envs.crafter.constants import ACHIEVEMENTS

        self.env = make_craftax_env_from_name("Craftax-Classic-Symbolic-v1", auto_reset=False)
        self.params = self.env.default_params
        self.num_envs = num_envs
        self.batch_step_fn = optimistic_step(self.env, self.params, num_envs, min(reset_ratio, num_envs))
        self.achievement_keys = [f"Achievements/{a}" for a in ACHIEVEMENTS]

    def action_space(self, params=None):
        return _Space(n=self.env.action_space(self.params).n)

    def observation_space(self, params=None):
        return _Space(shape=self.env.observation_space(self.params).shape)

    def reset(self, key, params):
        return self.env.reset(key, self.params)

    def batch_step(self, keys, states, actions, tasks):
        """The whole batch at once: finished envs take one of the shared fresh worlds."""
        obs, states, reward, done, info = self.batch_step_fn(keys[0], states, actions)
        # Craftax reports each achievement as 100 x unlocked x done, from the state before the reset
        achievements = jnp.stack([info[k] > 0 for k in self.achievement_keys], axis=-1)
        return obs, states, reward, done, jnp.zeros_like(done), {"final_observation": obs,
                                                                 "achievements": achievements}


def chunk_loop(student) -> Loop:
    """One jitted training chunk (every seed) as a benchmark loop; the same chunk runs each call."""
    return Loop(student.run_chunk, student.initial_state(), student.config.steps_per_chunk * student.seeds)


def _compiled_flops(fn, *args) -> float:
    """XLA's flop count of ``jit(fn)(*args)`` (``args`` may be shapes)."""
    cost = jax.jit(fn).lower(*args).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost
    return float(cost.get("flops", 0.0))


def peak_note() -> str:
    """The CPU's nominal fp32 peak, for comparing an achieved FLOP rate: cores x clock x FLOP per cycle,
    taking two FMA pipes as wide as the widest vector extension (AVX-512: 16 lanes, AVX2: 8) at two
    FLOP per lane. A nominal upper bound from /proc/cpuinfo: narrower datapaths or a lower sustained
    clock only lower it."""
    if jax.devices()[0].platform != "cpu":
        return f"device {jax.devices()[0].device_kind} (no CPU peak)"
    try:
        info = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return "no /proc/cpuinfo, so no peak figure"
    flags = next((line.split(":", 1)[1].split() for line in info if line.startswith("flags")), [])
    mhz = next((float(line.split(":", 1)[1]) for line in info if line.startswith("cpu MHz")), None)
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if mhz is None:
        return f"{cores} cores with {lanes}-lane fp32 FMA (clock unknown, so no peak figure)"
    peak = cores * mhz / 1e3 * 2 * lanes * 2
    return (f"this CPU's nominal fp32 peak is {peak:.0f} GFLOP/s ({cores} cores x {mhz / 1e3:.2f} GHz x "
            f"2 FMA pipes x {lanes} lanes x 2)")


def chunk_flops(student) -> float:
    """XLA's flop count of one training chunk (every seed). Its cost analysis counts a loop's body once,
    not once per trip, so the chunk's two loop bodies, which hold all its matrix products (one rollout
    step: two policy passes and the env step; one minibatch step: forward, backward and Adam), are
    compiled on their own and multiplied by their trip counts. GAE and the minibatch shuffle are left
    out (no matrix products)."""
    ppo, cfg = student.ppo, student.config
    state = student.initial_state()
    runner, tasks = (jax.tree.map(lambda x: x[0], state[k]) for k in ("runner", "tasks"))
    stats = ppo._empty_stats(runner)

    def minibatches():  # the update's minibatches, for their shapes
        _, traj = jax.lax.scan(lambda c, _: ppo._env_step(c, tasks), (runner, stats), None, cfg.num_steps)
        return ppo._minibatches(jax.random.key(0), traj, traj.reward, traj.reward, runner.hidden)

    batch = jax.tree.map(lambda s: jax.ShapeDtypeStruct(s.shape[1:], s.dtype), jax.eval_shape(minibatches))
    rollout = cfg.num_steps * _compiled_flops(lambda r, s: ppo._env_step((r, s), tasks), runner, stats)
    update = cfg.update_epochs * cfg.num_minibatches * _compiled_flops(ppo._minibatch_step, runner.train, batch)
    return (rollout + update) * cfg.updates_per_chunk * student.seeds


def no_tasks(key, n):
    """The peers' task source: they ignore params, so a task is a placeholder."""
    return jnp.zeros((n,))


def pair_students(name: str, config, seeds: int):
    """``(labels, envgen student, peer student)`` with the same PPO, network and batch."""
    import envgen
    from envgen.train import Student, fixed_tasks

    if name == "minigrid":
        env, params = envgen.make("minigrid/DoorKey-8x8")
        env = env.fitted(params)  # the run's static grid: its largest task's (8x8), as a user's run would
        peer_env = NavixMiniGrid("Navix-DoorKey-8x8-v0", max_steps=int(params.max_steps))
        labels = ("envgen minigrid/DoorKey-8x8 (8x8 static grid)", "navix DoorKey-8x8")
    else:
        env, params = envgen.make("crafter")
        peer_env = CraftaxAdapter(config.num_envs)
        labels = ("envgen crafter (default world)", "Craftax-Classic-Symbolic (optimistic reset)")
    ours = Student(env, config, fixed_tasks(params), seeds=seeds)
    return labels, ours, Student(peer_env, config, no_tasks, seeds=seeds)


def run_pairs(pairs: list[str], config, seeds: int, repeats: int) -> tuple[list[list[str]], list[str]]:
    """Every envgen/peer pair compiled, then timed interleaved (best chunk each): one table row per pair,
    and notes on the learner's share (the same PPO on :class:`LearnerOnly`, timed in the same rounds)."""
    from envgen.train import Student

    loops, labels = {}, {}
    for name in pairs:
        labels[name], ours, peer = pair_students(name, config, seeds)
        loops[f"{name}/envgen"], loops[f"{name}/peer"] = chunk_loop(ours), chunk_loop(peer)
    if "minigrid" in pairs:
        learner_student = Student(LearnerOnly(), config, no_tasks, seeds=seeds)
        loops["learner"] = chunk_loop(learner_student)
    timing = time_interleaved(loops, repeats)
    notes = []
    if "minigrid" in pairs:
        learner, a, b = timing["learner"], timing["minigrid/envgen"], timing["minigrid/peer"]
        gflop = chunk_flops(learner_student) / 1e9
        notes.append(f"The learner's chunk is {gflop:.1f} GFLOP by XLA's count (`chunk_flops`: "
                     f"{gflop * 1e3 / learner.steps:.2f} MFLOP per env step), so `LearnerOnly` ran at "
                     f"{gflop / learner.run_s:.1f} GFLOP/s, {learner.run_s * 1e6 / learner.steps:.1f} µs per env step; "
                     f"{peak_note()}.")
        print(notes[-1], flush=True)
        share = {k: 1 - learner.run_s / t.run_s for k, t in (("envgen", a), ("navix", b))}
        if min(share.values()) <= 0:  # the machine's load moved between rounds: no bound from this run
            notes.append(f"The learner alone (`LearnerOnly`: the same PPO on a stand-in env that costs nothing) "
                         f"timed {learner.steps_per_s:,.0f} steps/s, slower than a full chunk: the machine's load "
                         f"changed between rounds, so this run gives no simulator share; rerun on a quieter machine.")
            print(notes[-1], flush=True)
        else:
            notes.append(f"The learner alone (the same PPO and network on a stand-in env that costs nothing, "
                         f"MiniGrid's observation layout; `LearnerOnly` in the script) runs "
                         f"{learner.steps_per_s:,.0f} steps/s in the same rounds: the simulator path is "
                         f"{share['envgen']:.0%} of envgen's chunk and {share['navix']:.0%} of navix's, so with this "
                         f"learner no MiniGrid simulator could exceed {b.run_s / learner.run_s:.2f}x navix here.")
            print(notes[-1], flush=True)
    rows = []
    for name in pairs:
        a, b = timing[f"{name}/envgen"], timing[f"{name}/peer"]
        print(f"{labels[name][0]}: {a.steps_per_s:,.0f} steps/s; {labels[name][1]}: {b.steps_per_s:,.0f} steps/s",
              flush=True)
        rows.append([*labels[name], f"{a.steps_per_s:,.0f}", f"{b.steps_per_s:,.0f}",
                     f"{a.steps_per_s / b.steps_per_s:.2f}x", f"{a.compile_s:.0f} / {b.compile_s:.0f}"])
    return rows, notes


def run_scaling(counts: list[int], config, repeats: int) -> list[list[str]]:
    """envgen DoorKey-8x8 with the env slots sharded over the first n devices, every n timed interleaved in
    one process (needs ``--xla_force_host_platform_device_count`` >= max(counts) on CPU)."""
    import envgen
    from envgen.train import Student, fixed_tasks
    from envgen.train.sharding import data_mesh, sharder

    if jax.device_count() < max(counts):
        raise SystemExit(f"--scaling {max(counts)} needs that many devices; jax sees {jax.device_count()} "
                         f"(on CPU: XLA_FLAGS=--xla_force_host_platform_device_count={max(counts)})")
    env, params = envgen.make("minigrid/DoorKey-8x8")
    env = env.fitted(params)
    loops = {}
    for n in counts:
        shard = sharder(data_mesh(jax.devices()[:n])) if n > 1 else None
        loops[str(n)] = chunk_loop(Student(env, config, fixed_tasks(params), shard=shard))
    timing = time_interleaved(loops, repeats)
    base = timing[str(counts[0])].steps_per_s
    rows = []
    for n in counts:
        t = timing[str(n)]
        print(f"{n} device(s): {t.steps_per_s:,.0f} steps/s", flush=True)
        rows.append([str(n), f"{t.steps_per_s:,.0f}", f"{t.steps_per_s / base:.2f}x"])
    return rows


PEERS = {"DoorKey-5x5": "Navix-DoorKey-Random-5x5-v0", "DoorKey-8x8": "Navix-DoorKey-Random-8x8-v0"}


def random_success(reset, step, key, episodes: int, horizon: int, no_drop: bool = False) -> float:
    """Success rate of a uniformly random policy over each slot's first episode (``horizon`` steps at
    most); ``no_drop`` turns MiniGrid's drop (action 4) into done (6, a no-op)."""
    obs, state = jax.vmap(reset)(jax.random.split(key, episodes))

    def body(carry, k):
        state, over, success = carry
        k_act, k_env = jax.random.split(k)
        action = jax.random.randint(k_act, (episodes,), 0, 7)
        action = jnp.where(no_drop & (action == 4), 6, action)
        _, state, reward, terminated, truncated, _ = jax.vmap(step)(jax.random.split(k_env, episodes), state, action)
        success = success | (~over & terminated & (reward > 0))
        return (state, over | terminated | truncated, success), None

    none = jnp.zeros((episodes,), bool)
    run = jax.jit(lambda k: jax.lax.scan(body, (state, none, none), jax.random.split(k, horizon))[0][2].mean())
    return float(run(key))


def check_peer(task: str, episodes: int) -> str:
    """How easy each side's task is to stumble on: a random policy's success on envgen's ``minigrid/<task>``
    and on navix's ``DoorKey-Random`` with MiniGrid's levels and view, under navix's own rules and under
    MiniGrid's drop and toggle, with every action and with drop taken out."""
    import envgen

    env, params = envgen.make(f"minigrid/{task}")
    env = env.fitted(params)
    horizon = int(params.max_steps)
    sides = {"envgen": (lambda k: env.reset(k, params), lambda k, s, a: env.step(k, s, a, params))}
    for label, rules in (("navix, MiniGrid's levels and view, navix's rules", False),
                         ("navix, MiniGrid's levels, view, drop and toggle", True)):
        peer = NavixMiniGrid(PEERS[task], max_steps=horizon, minigrid=True, minigrid_rules=rules)
        sides[label] = (peer.reset, peer.step)
    key = jax.random.key(3)
    rows = [[label, *(f"{random_success(reset, step, key, episodes, horizon, no_drop):.3f}"
                      for no_drop in (False, True))] for label, (reset, step) in sides.items()]
    return markdown_table(["env", "random-policy success", "without drop"], rows)


def run_learning(task: str, config, steps: int, seeds: int, out: Path, eval_episodes: int, eval_every: int,
                 minigrid_rules: bool = True) -> str:
    """Train envgen's ``minigrid/<task>`` and navix's ``<task>`` with the same PPO for ``steps`` per seed
    (``seeds`` vmapped), evaluate both on fresh levels, and compare final success with bootstrap CIs.

    Each side is an ordinary ``envgen.train`` run folder under ``out`` (metrics.jsonl, checkpoints), so an
    interrupted comparison resumes where it stopped and ``envgen plot`` draws either side's curves.
    """
    import numpy as np
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    import envgen
    from envgen.compare.stats import mean_intervals, probability_of_improvement
    from envgen.train import Student, fixed_tasks, repeat_tasks, train
    from envgen.train.logs import read_rows
    from envgen.train.run import EvalPlan, num_chunks

    env, params = envgen.make(f"minigrid/{task}")
    env = env.fitted(params)  # the task's own grid size: the same levels and trajectories, less work per step
    horizon = int(params.max_steps)
    sides = {
        "envgen": (Student(env, config, fixed_tasks(params), seeds=seeds),
                   EvalPlan(repeat_tasks(params, eval_episodes), [task] * eval_episodes, horizon, eval_every)),
        "navix": (Student(NavixMiniGrid(PEERS[task], max_steps=horizon, minigrid=True, minigrid_rules=minigrid_rules),
                          config, no_tasks, seeds=seeds),
                  EvalPlan(jnp.zeros((eval_episodes,)), [task] * eval_episodes, horizon, eval_every)),
    }
    total = num_chunks(steps, config)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
                  TextColumn("train success {task.fields[success]}"), TimeElapsedColumn()) as progress:
        for label, (student, plan) in sides.items():
            bar = progress.add_task(label, total=total, success="-")

            def on_chunk(chunk, _total, rows, bar=bar):
                rates = [r["success"] for r in rows if r["kind"] == "train"]
                progress.update(bar, completed=chunk, success=f"{np.mean(rates):.2f}")

            run_dir = out / label
            done = {r["seed"] for r in read_rows(run_dir / "metrics.jsonl")
                    if r["kind"] == "eval" and r["chunk"] == total}
            if len(done) == seeds:  # finished earlier (a resumed comparison): nothing to compile
                progress.update(bar, completed=total)
                continue
            resume = (run_dir / "checkpoints").is_dir() and any((run_dir / "checkpoints").iterdir())
            train(student, steps, run_dir, resume=resume, checkpoint_every=2, evaluation=plan, on_chunk=on_chunk,
                  run_info={"env": f"{label}:{task}", "family": "minigrid"})

    curves = {}
    for label in sides:
        evals = [r for r in read_rows(out / label / "metrics.jsonl") if r["kind"] == "eval"]
        points = sorted({r["steps"] for r in evals})
        curves[label] = (points, np.array([[next(r["success"] for r in evals if r["steps"] == p and r["seed"] == s)
                                            for p in points] for s in range(seeds)]))
    final = {label: c[1][:, -1] for label, c in curves.items()}
    # the first chunks' training success is mostly the untrained policy's: how easy each task is to stumble on
    # (pooled over episodes: a chunk shorter than an episode ends only the successful ones)
    early = 4

    def pooled(label):
        rows = [r for r in read_rows(out / label / "metrics.jsonl") if r["kind"] == "train" and r["chunk"] <= early]
        return sum(r["success"] * r["episodes"] for r in rows) / max(sum(r["episodes"] for r in rows), 1)

    first = {label: pooled(label) for label in sides}
    # area under the evaluation curve: equal final success can still hide a slower start
    auc = {label: c[1].mean(axis=1) for label, c in curves.items()}
    ci, ci_auc = mean_intervals(final), mean_intervals(auc)
    better = probability_of_improvement(final, [("envgen", "navix")])[("envgen", "navix")]
    points = curves["envgen"][0]
    rows = [[f"{p:,}", *(f"{curves[label][1][:, i].mean():.2f}" for label in sides)] for i, p in enumerate(points)]
    text = [f"{task}, {seeds} seeds each (vmapped), {steps:,} env steps per seed, evaluation on {eval_episodes} "
            "fresh levels per seed and evaluation point (sampled actions). The navix side is "
            f"`{PEERS[task]}` through `NavixMiniGrid(minigrid=True)`: MiniGrid's level distribution and "
            "occlusion, and " + ("MiniGrid's drop and toggle." if minigrid_rules else
                                 "navix's own drop (a no-op in navix 0.7.4) and toggle (an open door never closes)."),
            "",
            markdown_table(["env steps", "envgen success", "navix success"], rows), "",
            f"- Final success, mean and 95% stratified-bootstrap CI over seeds: envgen {ci['envgen']}, "
            f"navix {ci['navix']} (intervals {'overlap' if ci['envgen'].overlaps(ci['navix']) else 'do not overlap'}).",
            *([f"- Mean success over the evaluation curve (area under it): envgen {ci_auc['envgen']}, navix "
               f"{ci_auc['navix']}."] if len(points) > 1 else []),
            f"- P(envgen seed > navix seed) on final success: {better}.",
            f"- Training success over the first {early} chunks ({early * config.steps_per_chunk:,} steps per seed, "
            f"mostly the untrained policy; pooled over episodes): envgen {first['envgen']:.3f}, "
            f"navix {first['navix']:.3f}.",
            f"- Per-seed final success: envgen {np.round(final['envgen'], 2).tolist()}, navix "
            f"{np.round(final['navix'], 2).tolist()}."]
    (out / "learning.json").write_text(json.dumps({
        "task": task, "steps": steps, "seeds": seeds, "config": config.to_dict(),
        "final": {k: v.tolist() for k, v in final.items()}, "points": [int(p) for p in points],
        "curves": {k: c[1].tolist() for k, c in curves.items()}, "final_ci": {k: v.as_dict() for k, v in ci.items()},
        "p_envgen_better": better.as_dict()}, indent=2))
    plot_learning(out, task, list(sides))
    return "\n".join(text)


def plot_learning(out: Path, task: str, sides: list[str]) -> Path:
    """Each side's training and evaluation success over env steps (mean over seeds, 95% bootstrap band),
    on one figure: ``out/learning.png``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from envgen.train.logs import read_rows
    from envgen.train.plotting import bootstrap_band, curves

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharey=True)
    for ax, kind in zip(axes, ("train", "eval"), strict=True):
        for label, colour in zip(sides, ("tab:blue", "tab:orange"), strict=False):
            steps, values = curves(read_rows(out / label / "metrics.jsonl"), kind, "success")
            if steps.size:
                mean, lo, hi = bootstrap_band(values)
                ax.plot(steps, mean, color=colour, marker="o" if kind == "eval" else None,
                        label=f"{label} ({values.shape[0]} seeds)")
                ax.fill_between(steps, lo, hi, color=colour, alpha=0.25)
        ax.set_title(f"{task}: {'training episodes' if kind == 'train' else 'evaluation on fresh levels'}")
        ax.set_xlabel("env steps per seed")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("success")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    path = out / "learning.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


class CraftaxEvalEnv:
    """Craftax-Classic-Symbolic for envgen's evaluator: one env per slot (the evaluator vmaps it), no reset
    (the evaluator counts each slot's first episode), achievements in envgen's order in ``info`` and on the
    state (an episode cut by the horizon is scored from the state). Its observations are the training
    adapter's, so the trained network's parameters apply unchanged."""

    def __init__(self):
        need_peer("craftax")
        from craftax.craftax_classic.constants import Achievement
        from craftax.craftax_env import make_craftax_env_from_name

        from envgen.envs.crafter.constants import ACHIEVEMENTS

        self.env = make_craftax_env_from_name("Craftax-Classic-Symbolic-v1", auto_reset=False)
        self.params = self.env.default_params
        self.order = jnp.array([Achievement[a.upper()].value for a in ACHIEVEMENTS])

    def action_space(self, params=None):
        return _Space(n=self.env.action_space(self.params).n)

    def observation_space(self, params=None):
        return _Space(shape=self.env.observation_space(self.params).shape)

    def reset(self, key, params=None):
        obs, state = self.env.reset(key, self.params)
        return obs, CraftaxEvalState(state, state.achievements[self.order])

    def step(self, key, state, action, params=None):
        obs, inner, reward, done, _ = self.env.step_env(key, state.inner, action, self.params)
        achievements = inner.achievements[self.order]
        return (obs, CraftaxEvalState(inner, achievements), reward, done, jnp.zeros_like(done),
                {"achievements": achievements})


@struct.dataclass
class CraftaxEvalState:
    """A Craftax state with its achievements in envgen's order (what the evaluator reads)."""

    inner: object
    achievements: jax.Array  # [22] bool


def run_learning_crafter(config, steps: int, seeds: int, out: Path, eval_episodes: int, horizon: int) -> str:
    """Train the same PPO on envgen's Crafter (default world) and on Craftax-Classic-Symbolic for ``steps``
    per seed (``seeds`` vmapped), evaluate both on ``eval_episodes`` fresh worlds per seed (first
    ``horizon`` steps of each episode, sampled actions), and compare every achievement's success rate and
    the Crafter score with stratified-bootstrap CIs.

    Each side is an ordinary ``envgen.train`` run folder under ``out`` (an interrupted comparison resumes;
    a finished side is only evaluated again).
    """
    import numpy as np
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    import envgen
    from envgen.compare.stats import mean_intervals, probability_of_improvement
    from envgen.envs.crafter.constants import ACHIEVEMENTS
    from envgen.train import Student, fixed_tasks, repeat_tasks, train
    from envgen.train.evaluation import crafter_score, make_evaluator
    from envgen.train.ppo import PPO
    from envgen.train.run import EvalPlan, evaluate_seeds, num_chunks

    env, params = envgen.make("crafter")
    peer = Student(CraftaxAdapter(config.num_envs), config, no_tasks, seeds=seeds)
    sides = {  # (student, evaluator, evaluation tasks)
        "envgen": (Student(env, config, fixed_tasks(params), seeds=seeds), lambda s: make_evaluator(s.ppo, horizon),
                   repeat_tasks(params, eval_episodes)),
        "craftax": (peer, lambda s: make_evaluator(PPO(CraftaxEvalEnv(), config), horizon),
                    jnp.zeros((eval_episodes,))),
    }
    total = num_chunks(steps, config)
    rates, scores = {}, {}
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
                  TextColumn("train success {task.fields[success]}"), TimeElapsedColumn()) as progress:
        for label, (student, evaluator, tasks) in sides.items():
            bar = progress.add_task(label, total=total, success="-")

            def on_chunk(chunk, _total, rows, bar=bar):
                progress.update(bar, completed=chunk, success=f"{np.mean([r['success'] for r in rows]):.3f}")

            run_dir = out / label
            resume = (run_dir / "checkpoints").is_dir() and any((run_dir / "checkpoints").iterdir())
            result = train(student, steps, run_dir, resume=resume, checkpoint_every=2, on_chunk=on_chunk,
                           run_info={"env": f"{label}:crafter", "family": "crafter"})
            plan = EvalPlan(tasks, ["crafter/Default"] * eval_episodes, horizon)
            summaries = evaluate_seeds(student, result["state"], evaluator(student), plan, total)
            rates[label] = np.array([[s["achievements"][a] for a in ACHIEVEMENTS] for s in summaries])
            scores[label] = np.array([crafter_score(r) for r in rates[label]])
            progress.update(bar, completed=total)

    ci_score = mean_intervals(scores)
    better = probability_of_improvement(scores, [("envgen", "craftax")])[("envgen", "craftax")]
    ci_all = mean_intervals(rates)  # the mean over achievements, seeds resampled per achievement
    rows, differ = [], []
    for i, a in enumerate(ACHIEVEMENTS):
        ci = mean_intervals({k: v[:, i] for k, v in rates.items()})
        same = ci["envgen"].overlaps(ci["craftax"])
        if not same:
            differ.append(a)
        rows.append([a, str(ci["envgen"]), str(ci["craftax"]), "yes" if same else "**no**"])
    text = [f"Crafter, {seeds} seeds each (vmapped), {steps:,} env steps per seed, the same PPO and network "
            f"(an MLP over each side's symbolic observation); evaluation on {eval_episodes} fresh worlds per seed "
            f"(first {horizon} steps of each episode, sampled actions). Success rates in %, mean over seeds "
            "with the 95% stratified-bootstrap CI.", "",
            markdown_table(["achievement", "envgen crafter (default world)", "Craftax-Classic-Symbolic",
                            "CIs overlap"], rows), "",
            f"- Crafter score (per seed, then mean and CI): envgen {ci_score['envgen']}, Craftax "
            f"{ci_score['craftax']} (intervals "
            f"{'overlap' if ci_score['envgen'].overlaps(ci_score['craftax']) else 'do not overlap'}).",
            f"- Mean success over the 22 achievements: envgen {ci_all['envgen']}, Craftax {ci_all['craftax']}.",
            f"- P(envgen seed > Craftax seed) on the Crafter score: {better}.",
            f"- Achievements whose CIs do not overlap: {', '.join(differ) if differ else 'none'}.",
            f"- Per-seed Crafter score: envgen {np.round(scores['envgen'], 2).tolist()}, Craftax "
            f"{np.round(scores['craftax'], 2).tolist()}."]
    (out / "learning.json").write_text(json.dumps({
        "task": "crafter", "steps": steps, "seeds": seeds, "horizon": horizon, "config": config.to_dict(),
        "achievements": list(ACHIEVEMENTS), "rates": {k: v.tolist() for k, v in rates.items()},
        "scores": {k: v.tolist() for k, v in scores.items()},
        "score_ci": {k: v.as_dict() for k, v in ci_score.items()}, "p_envgen_better": better.as_dict()}, indent=2))
    return "\n".join(text)


def write_part(title: str, text: str) -> None:
    """Replace (or add) the ``### title`` part of docs/benchmarks.md's ``## Training`` section, keeping the
    section's other parts: the throughput, scaling and learning runs each write their own."""
    import re

    body = DOC.read_text() if DOC.exists() else ""
    found = re.search(r"^## Training\n(.*?)(?=^## |\Z)", body, re.S | re.M)
    section = found.group(1).strip() if found else ""
    part = f"### {title}\n\n{text.strip()}\n"
    pattern = re.compile(rf"^### {re.escape(title)}\n.*?(?=^### |\Z)", re.S | re.M)
    section = pattern.sub(lambda _: part + "\n", section, count=1) if pattern.search(section) \
        else f"{section}\n\n{part}"
    write_section("Training", section.strip())


def describe(config, repeats: int) -> str:
    return (f"Same PPO: num_envs={config.num_envs}, num_steps={config.num_steps}, {config.update_epochs} epochs x "
            f"{config.num_minibatches} minibatches, {config.updates_per_chunk} updates per timed chunk, network "
            f"{config.network} (hidden {config.hidden}); best of {repeats} interleaved chunks, compile excluded.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--num-envs", type=int, default=64, help="env slots per seed (PPOConfig's default)")
    ap.add_argument("--num-steps", type=int, default=128, help="rollout length (PPOConfig's default)")
    ap.add_argument("--updates", type=int, default=2, help="updates per timed chunk")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3, help="timed rounds (best chunk of each loop)")
    ap.add_argument("--only", choices=["minigrid", "crafter"], help="one pair only")
    ap.add_argument("--scaling", help="comma-separated device counts (envgen DoorKey-8x8 only), timed in one process")
    ap.add_argument("--learning", choices=[*sorted(PEERS), "crafter"],
                    help="learning equivalence on this DoorKey task, or on Crafter against Craftax-Classic")
    ap.add_argument("--steps", type=int, default=500_000, help="--learning: env steps per seed")
    ap.add_argument("--out", type=Path, default=Path("runs/learning"), help="--learning: run folders")
    ap.add_argument("--eval-episodes", type=int, default=64, help="--learning: evaluation episodes per seed")
    ap.add_argument("--eval-every", type=int, default=2, help="--learning: chunks between evaluations")
    ap.add_argument("--eval-horizon", type=int, default=1000, help="--learning crafter: steps per eval episode")
    ap.add_argument("--check-peer", choices=sorted(PEERS),
                    help="random-policy success on envgen's DoorKey and on the navix peer (its rules and MiniGrid's)")
    ap.add_argument("--network", choices=["auto", "mlp", "grid_cnn"], default="auto",
                    help="--learning DoorKey: the network on both sides (auto: the student's default, grid_cnn)")
    ap.add_argument("--lr", type=float, default=2.5e-4, help="--learning DoorKey: Adam learning rate, both sides")
    ap.add_argument("--navix-rules", choices=["minigrid", "navix"], default="minigrid",
                    help="--learning DoorKey: navix with MiniGrid's drop and toggle (the fair peer) or its own")
    ap.add_argument("--write", action="store_true", help="update the Training section of docs/benchmarks.md")
    args = ap.parse_args()
    from envgen.train import PPOConfig

    if args.check_peer:
        print(check_peer(args.check_peer, args.eval_episodes))
        return
    if args.learning == "crafter":  # an MLP: the network both observations fit (Craftax's is a flat vector)
        config = PPOConfig(num_envs=args.num_envs, num_steps=args.num_steps, network="mlp")
        text = run_learning_crafter(config, args.steps, args.seeds, args.out, args.eval_episodes, args.eval_horizon)
        text += (f"\n\nCommand: `python benchmarks/bench_train.py {' '.join(sys.argv[1:])}`; PPO: "
                 f"{config.to_dict()}.")
        print(text)
        if args.write:
            write_part("Learning equivalence: Crafter", text)
        return
    if args.learning:  # the student's default network and chunking; the same on both sides
        config = PPOConfig(num_envs=args.num_envs, num_steps=args.num_steps, network=args.network, lr=args.lr)
        text = run_learning(args.learning, config, args.steps, args.seeds, args.out, args.eval_episodes,
                            args.eval_every, minigrid_rules=args.navix_rules == "minigrid")
        text += (f"\n\nCommand: `python benchmarks/bench_train.py {' '.join(sys.argv[1:])}`; PPO: "
                 f"{config.to_dict()}.")
        print(text)
        if args.write:
            image = DOC.parent / f"benchmarks-learning-{args.learning}.png"
            image.write_bytes((args.out / "learning.png").read_bytes())
            text += f"\n\n![success over env steps, both sides]({image.name})"
            write_part(f"Learning equivalence: {args.learning}", text)
        return
    config = PPOConfig(num_envs=args.num_envs, num_steps=args.num_steps, updates_per_chunk=args.updates,
                       network="mlp")
    text = [f"Machine: {machine()}.", ""]
    if args.scaling:
        counts = [int(x) for x in args.scaling.split(",")]
        rows = run_scaling(counts, config, args.repeats)
        text += [markdown_table(["devices", "steps/s", f"vs {counts[0]}"], rows)]
    else:
        pairs = [args.only] if args.only else ["minigrid", "crafter"]
        rows, notes = run_pairs(pairs, config, args.seeds, args.repeats)
        text += [markdown_table(["envgen", "peer", "envgen steps/s", "peer steps/s", "ratio",
                                 "compile s (ours / peer)"], rows), *(["", *notes] if notes else [])]
    text += ["", describe(config, args.repeats)]
    print("\n".join(text))
    if args.write:
        text += ["", f"Command: `python benchmarks/bench_train.py {' '.join(sys.argv[1:])}`."]
        write_part("Scaling over devices" if args.scaling else "Throughput against the peers", "\n".join(text))


if __name__ == "__main__":
    main()
