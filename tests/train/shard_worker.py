"""Subprocess body for the sharding tests (needs its own XLA device count and, for two processes,
``jax.distributed``): one chunk of the student unsharded and sharded over every device, saved to npz."""

import os
import sys

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import numpy as np  # noqa: E402

if len(sys.argv) > 3:  # process_id num_processes port
    pid, nproc, port = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    jax.distributed.initialize(f"127.0.0.1:{port}", num_processes=nproc, process_id=pid)

import envgen  # noqa: E402
from envgen.train import PPOConfig, Student, fixed_tasks  # noqa: E402
from envgen.train.sharding import data_mesh, gather, sharder  # noqa: E402


def summary(state, metrics):
    host = gather((state["runner"].train.params, metrics.slots, metrics.pvl))
    leaves = jax.tree.leaves(host)
    return {f"a{i}": np.asarray(x) for i, x in enumerate(leaves)}


def main():
    out = sys.argv[1]
    env, params = envgen.make("minigrid/Empty-5x5")
    config = PPOConfig(num_envs=8, num_steps=16, updates_per_chunk=2, update_epochs=2, num_minibatches=2)
    results = {}
    if jax.process_count() == 1:
        plain = Student(env, config, fixed_tasks(params), seeds=2)
        results.update({f"plain_{k}": v for k, v in summary(*plain.run_chunk(plain.initial_state())).items()})
    sharded = Student(env, config, fixed_tasks(params), seeds=2, shard=sharder(data_mesh()))
    state = sharded.initial_state()
    assert len(state["runner"].obs["image"].sharding.device_set) == jax.device_count()
    state, metrics = sharded.run_chunk(state)
    results.update({f"sharded_{k}": v for k, v in summary(state, metrics).items()})
    if jax.process_index() == 0:
        np.savez(out, devices=jax.device_count(), processes=jax.process_count(), **results)


if __name__ == "__main__":
    main()
