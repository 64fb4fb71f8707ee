"""End-to-end PPO training throughput (rollout + update): envgen vs the same PPO and network on the peers,
and envgen's scaling over forced host devices.

The peers run through thin adapters to the gymnax v1 contract the student trains on, so the PPO code,
the network (an MLP: both peers give flat or small symbolic observations), the batch and every
hyperparameter are the same; only the simulator differs. Observations, rewards and dones are consumed by
the learner, so nothing is dead code. envgen's time includes its per-chunk level refresh.

    python benchmarks/bench_train.py --write                       # peers side by side, default batch
    python benchmarks/bench_train.py --scaling 1,2,4 --write       # forced host devices (subprocesses)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, markdown_table, write_section  # noqa: E402


class _Space:
    def __init__(self, n=None, shape=()):
        self.n, self.shape = n, shape


class NavixAdapter:
    """navix (auto-reset on the step after a done) as a gymnax-v1 env; params are unused."""

    def __init__(self, name: str):
        import navix as nx

        self.env = nx.make(name)

    def action_space(self, params=None):
        return _Space(n=7)

    def observation_space(self, params=None):
        return _Space(shape=(7 * 7 * 3,))

    def reset(self, key, params):
        ts = self.env.reset(key)
        return ts.observation.reshape(-1), ts

    def step(self, key, ts, action, params):
        ts = self.env.step(ts, action)
        obs = ts.observation.reshape(-1)
        info = {"final_observation": obs}
        return obs, ts, ts.reward, ts.step_type == 2, ts.step_type == 1, info


class CraftaxAdapter:
    """Craftax-Classic-Symbolic under the optimistic reset of Craftax's own PPO baseline (its fastest
    setting; ``benchmarks/bench_crafter.py``). Done counts as termination (Craftax reports no truncation)."""

    def __init__(self, num_envs: int, reset_ratio: int = 16):
        from bench_crafter import optimistic_step
        from craftax.craftax_env import make_craftax_env_from_name

        self.env = make_craftax_env_from_name("Craftax-Classic-Symbolic-v1", auto_reset=False)
        self.params = self.env.default_params
        self.num_envs = num_envs
        self.batch_step_fn = optimistic_step(self.env, self.params, num_envs, min(reset_ratio, num_envs))

    def action_space(self, params=None):
        return _Space(n=self.env.action_space(self.params).n)

    def observation_space(self, params=None):
        return _Space(shape=self.env.observation_space(self.params).shape)

    def reset(self, key, params):
        return self.env.reset(key, self.params)

    def batch_step(self, keys, states, actions, tasks):
        """The whole batch at once: finished envs take one of the shared fresh worlds."""
        obs, states, reward, done, _ = self.batch_step_fn(keys[0], states, actions)
        return obs, states, reward, done, jnp.zeros_like(done), {"final_observation": obs}


def time_student(student, repeats: int = 2) -> tuple[float, float]:
    """(compile seconds, steps/s of the best of ``repeats`` chunks)."""
    state = student.initial_state()
    t0 = time.perf_counter()
    state, m = student.run_chunk(state)
    jax.block_until_ready(m)
    first = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        state, m = student.run_chunk(state)
        jax.block_until_ready(m)
        best = min(best, time.perf_counter() - t0)
    steps = student.config.steps_per_chunk * student.seeds
    return max(first - best, 0.0), steps / best


def run_pair(name: str, config, seeds: int) -> list[str]:
    import envgen
    from envgen.train import Student, fixed_tasks

    if name == "minigrid":
        env, params = envgen.make("minigrid/DoorKey-8x8")
        ours = Student(env, config, fixed_tasks(params), seeds=seeds)
        peer = Student(NavixAdapter("Navix-DoorKey-8x8-v0"), config, lambda key, n: jnp.zeros((n,)), seeds=seeds)
        labels = ("envgen minigrid/DoorKey-8x8", "navix DoorKey-8x8")
    else:
        env, params = envgen.make("crafter")
        ours = Student(env, config, fixed_tasks(params), seeds=seeds)
        peer = Student(CraftaxAdapter(config.num_envs), config, lambda key, n: jnp.zeros((n,)), seeds=seeds)
        labels = ("envgen crafter (default world)", "Craftax-Classic-Symbolic (optimistic reset)")
    c_ours, sps_ours = time_student(ours)
    c_peer, sps_peer = time_student(peer)
    print(f"{labels[0]}: {sps_ours:,.0f} steps/s; {labels[1]}: {sps_peer:,.0f} steps/s", flush=True)
    return [labels[0], labels[1], f"{sps_ours:,.0f}", f"{sps_peer:,.0f}", f"{sps_ours / sps_peer:.2f}x",
            f"{c_ours:.0f} / {c_peer:.0f}"]


def scaling_child(devices: int, config_json: str) -> None:
    import envgen
    from envgen.train import PPOConfig, Student, fixed_tasks
    from envgen.train.sharding import data_mesh, sharder

    config = PPOConfig.from_dict(json.loads(config_json))
    env, params = envgen.make("minigrid/DoorKey-8x8")
    student = Student(env, config, fixed_tasks(params), shard=sharder(data_mesh()) if devices > 1 else None)
    print(json.dumps({"devices": jax.device_count(), "sps": time_student(student)[1]}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--num-envs", type=int, default=64)
    ap.add_argument("--num-steps", type=int, default=128)
    ap.add_argument("--updates", type=int, default=2, help="updates per timed chunk")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--only", choices=["minigrid", "crafter"], help="one pair only")
    ap.add_argument("--scaling", help="comma-separated forced host device counts (envgen DoorKey-8x8 only)")
    ap.add_argument("--write", action="store_true", help="update the Training section of docs/benchmarks.md")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    args = ap.parse_args()
    from envgen.train import PPOConfig

    config = PPOConfig(num_envs=args.num_envs, num_steps=args.num_steps, updates_per_chunk=args.updates,
                       network="mlp")
    if args.child:
        scaling_child(args.child, args.config)
        return
    text = [f"Machine: {machine()}.", ""]
    if args.scaling:
        rows = []
        for n in (int(x) for x in args.scaling.split(",")):
            env = {**os.environ, "XLA_FLAGS": f"--xla_force_host_platform_device_count={n}", "JAX_PLATFORMS": "cpu"}
            out = subprocess.run([sys.executable, __file__, "--child", str(n), "--config",
                                  json.dumps(config.to_dict())], env=env, capture_output=True, text=True, check=True)
            res = json.loads(out.stdout.strip().splitlines()[-1])
            print(res, flush=True)
            rows.append([str(res["devices"]), f"{res['sps']:,.0f}"])
        text += ["Scaling (envgen minigrid/DoorKey-8x8, env slots sharded over forced host devices):", "",
                 markdown_table(["devices", "steps/s"], rows)]
    else:
        pairs = [args.only] if args.only else ["minigrid", "crafter"]
        rows = [run_pair(p, config, args.seeds) for p in pairs]
        header = ["envgen", "peer", "envgen steps/s", "peer steps/s", "ratio", "compile s (ours / peer)"]
        text += [markdown_table(header, rows)]
    text += ["", f"Command: `python benchmarks/bench_train.py {' '.join(sys.argv[1:])}`. Same PPO "
             f"(num_envs={config.num_envs}, num_steps={config.num_steps}, {config.update_epochs} epochs x "
             f"{config.num_minibatches} minibatches, MLP {config.hidden}x2), best of 2 chunks of {args.updates} "
             "updates, compile excluded."]
    print("\n".join(text))
    if args.write:
        write_section("Training" + (" scaling" if args.scaling else ""), "\n".join(text))


if __name__ == "__main__":
    main()
