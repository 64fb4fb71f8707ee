"""Data parallelism with JAX's own tools: the env-slot axis is split over devices (``jax.sharding``), and
over hosts once ``jax.distributed.initialize`` has joined them; the network is replicated.

The jitted chunk is unchanged: given sharded inputs, XLA partitions the rollout per device and turns the
minibatch shuffles and gradient means into collectives. A state is ``{"runner": RunnerState [S, B, ...],
"tasks": [S, B, ...]}`` (seeds first, env slots second).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding
from jax.sharding import PartitionSpec as P  # noqa: N817 (JAX's own spelling)

AXIS = "envs"


def data_mesh(devices: list | None = None) -> Mesh:
    """A one-axis mesh over ``devices`` (default: every device of every process)."""
    devices = jax.devices() if devices is None else devices
    return Mesh(np.asarray(devices), (AXIS,))


def state_shardings(state: dict[str, Any], mesh: Mesh, slot_axis: int = 1) -> dict[str, Any]:
    """Per-leaf shardings: env-slot leaves split on ``slot_axis`` (1 for a seeds-first state, 0 for one
    seed, as the curriculum's student holds it), the learner's state and keys replicated."""
    split = NamedSharding(mesh, P(*([None] * slot_axis), AXIS))
    same = NamedSharding(mesh, P())
    runner = state["runner"]
    n = mesh.devices.size
    if runner.starts.shape[slot_axis] % n:
        raise ValueError(f"num_envs = {runner.starts.shape[slot_axis]} is not divisible by the {n} devices of "
                         "the mesh")
    by_slot = lambda tree: jax.tree.map(lambda _: split, tree)
    everywhere = lambda tree: jax.tree.map(lambda _: same, tree)
    return {"runner": runner.replace(
        train=everywhere(runner.train), key=same, update=same, env_state=by_slot(runner.env_state),
        obs=by_slot(runner.obs), hidden=split, starts=split, episodes=by_slot(runner.episodes)),
        "tasks": by_slot(state["tasks"])}


def sharder(mesh: Mesh) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """``shard(state) -> state`` placing a (host or device) state on ``mesh`` (for :class:`Student`)."""

    def shard(state: dict[str, Any]) -> dict[str, Any]:
        shardings = state_shardings(state, mesh)
        if jax.process_count() == 1:
            return jax.device_put(state, shardings)
        # several processes: every process holds the same full state and contributes its own shards
        return jax.tree.map(_global_array, state, shardings)

    return shard


def _global_array(x: Any, sharding: NamedSharding) -> jax.Array:
    if isinstance(x, jax.Array) and not x.is_fully_addressable:
        return x
    host = np.asarray(x)
    return jax.make_array_from_callback(host.shape, sharding, lambda index: host[index])


def gather(tree: Any) -> Any:
    """Host numpy copies of a (possibly multi-process) pytree, for logging and comparison."""
    if jax.process_count() == 1:
        return jax.device_get(tree)
    from jax.experimental import multihost_utils

    return multihost_utils.process_allgather(tree, tiled=True)
