"""The PPO student: rollout, GAE and minibatch epochs as nested ``lax.scan`` under one ``jit``.

``PPO.train_chunk(runner, tasks)`` runs ``updates_per_chunk`` updates on a batch of tasks (one per env
slot, the params pytree with a leading axis). ``tasks`` is an argument, never a closure constant, so a
teacher can hand in different tasks between chunks without a retrace. ``PPO.chunk`` is the same function
vmapped over seeds and jitted; ``PPO.traces`` counts how often it was traced.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax
from flax import struct

from envgen.train.config import PPOConfig
from envgen.train.gae import gae
from envgen.train.networks import make_network
from envgen.train.tasks import is_task_env, level_pool, level_refresher, pool_slot


class TrainState(struct.PyTreeNode):
    """Network parameters and optimiser state."""

    params: Any
    opt_state: Any


class Episodes(struct.PyTreeNode):
    """Running totals of each env slot's current episode."""

    ret: jax.Array       # [B] training reward
    task_ret: jax.Array  # [B] the task's own reward (differs from ret under a generated dense reward)
    length: jax.Array    # [B]


class RunnerState(struct.PyTreeNode):
    """Everything a chunk carries forward: what a checkpoint must hold for an exact resume."""

    train: TrainState
    env_state: Any
    obs: Any
    hidden: jax.Array   # [B, H] recurrent state (width 1 and unused without a GRU)
    starts: jax.Array   # [B] bool: ``obs`` is the first observation of an episode
    episodes: Episodes
    key: jax.Array      # raw uint32 key data, so checkpoints store plain arrays
    update: jax.Array   # updates done so far


class SlotStats(struct.PyTreeNode):
    """Per env slot totals over the episodes that ended during a chunk (teachers read these)."""

    episodes: jax.Array      # [B]
    returns: jax.Array       # [B] sum of finished episodes' training returns
    task_returns: jax.Array  # [B] sum of finished episodes' task returns
    successes: jax.Array     # [B] sum of finished episodes' success (0..1 each)
    lengths: jax.Array       # [B]
    achievements: jax.Array  # [B, K] finished episodes that unlocked each achievement (K = 0 if none)
    wraps: jax.Array         # [B] episodes that started on a level the slot already ran this chunk


class ChunkMetrics(struct.PyTreeNode):
    """What one chunk reports: per-slot episode totals, per-slot scores and mean losses."""

    slots: SlotStats
    pvl: jax.Array        # [B] positive value loss: mean over steps of max(advantage, 0)
    maxmc: jax.Array      # [B] MaxMC: highest value target in the rollout minus the mean value
    losses: dict          # scalars averaged over the chunk's minibatches
    mean_reward: jax.Array


class Transition(NamedTuple):
    obs: Any
    starts: jax.Array
    action: jax.Array
    logp: jax.Array
    value: jax.Array
    reward: jax.Array
    next_value: jax.Array
    terminated: jax.Array
    done: jax.Array


def episode_success(info: dict, reward: jax.Array, terminated: jax.Array) -> jax.Array:
    """Success of an episode that ends on this step, in [0, 1].

    MiniGrid and generated tasks: terminated with a positive task reward. Crafter (whose episodes end by
    death or time): the fraction of achievements unlocked in the episode.
    """
    if "achievements" in info:
        return jnp.mean(info["achievements"].astype(jnp.float32), axis=-1)
    task_reward = info.get("task_reward", reward)
    return (terminated & (task_reward > 0)).astype(jnp.float32)


def env_achievements(state: Any) -> jax.Array | None:
    """Crafter's achievements of a (possibly task-wrapped) env state, or None for other families."""
    for s in (state, getattr(state, "env", None)):
        if s is not None and hasattr(s, "achievements"):
            return s.achievements
    return None


class PPO:
    """The student for one environment (family) and one config; any batch of that family's tasks."""

    def __init__(self, env, config: PPOConfig):
        self.env = env
        self.config = config
        self.network = make_network(env, config)
        lr = (optax.linear_schedule(config.lr, 0.0, config.total_updates * config.update_epochs
                                    * config.num_minibatches) if config.anneal_lr else config.lr)
        self.tx = optax.chain(optax.clip_by_global_norm(config.max_grad_norm), optax.adam(lr, eps=1e-5))
        self._refresh = level_refresher(env)
        self._pooled = is_task_env(env)
        # an env may step its whole batch itself (e.g. a reset wrapper that shares fresh worlds between slots)
        self._batch_step = getattr(env, "batch_step", None) or jax.vmap(env.step)
        self.traces = 0
        # seeds are vmapped over everything; the compiled function is cached on the instance
        self._init_params = jax.jit(self.init_params)
        self._init_runners = jax.jit(jax.vmap(self.init))
        self.chunk = jax.jit(jax.vmap(self.train_chunk))

    def init_seeds(self, keys: jax.Array, tasks: Any) -> RunnerState:
        """Runners for a batch of seeds (``keys [S]``, ``tasks [S, B, ...]``).

        The network is initialised one seed at a time: its orthogonal init runs a QR decomposition, and
        jaxlib 0.10's batched CPU LAPACK call deadlocked here under vmap (threads parked in _lapack.so).
        """
        self.check_tasks(tasks)
        params = [self._init_params(k, jax.tree.map(lambda x, i=i: x[i, 0], tasks)) for i, k in enumerate(keys)]
        return self._init_runners(keys, tasks, jax.tree.map(lambda *xs: jnp.stack(xs), *params))

    def check_tasks(self, tasks: Any) -> None:
        """Refuse, on the host, tasks the env's static shapes cannot hold: under ``jit`` they could not raise
        (a MiniGrid task larger than the env's grid would be cropped)."""
        check = getattr(self.env, "check_params", None)  # envgen envs have it; a plain gymnax env may not
        if check is not None:
            check(getattr(tasks, "params", tasks))

    # -- one seed ---------------------------------------------------------------------------------
    def init_params(self, key: jax.Array, task: Any) -> Any:
        """Network parameters for one seed (from the same key split as :meth:`init`)."""
        k_net = jax.random.split(key, 3)[0]
        obs = jax.tree.map(lambda s: jnp.zeros((1, 1, *s.shape), s.dtype), jax.eval_shape(
            lambda: self.env.reset(jax.random.key(0), task)[0]))
        return self.network.init(k_net, self.network.initial_hidden(1), obs, jnp.ones((1, 1), bool))

    def init(self, key: jax.Array, tasks: Any, params: Any = None) -> RunnerState:
        """A fresh runner for one seed: network init (unless ``params`` given), every slot reset on its task."""
        n = self.config.num_envs
        _, k_env, k_run = jax.random.split(key, 3)
        obs, env_state = jax.vmap(self.env.reset)(jax.random.split(k_env, n), tasks)
        hidden = self.network.initial_hidden(n)
        starts = jnp.ones((n,), bool)
        if params is None:
            params = self.init_params(key, jax.tree.map(lambda x: x[0], tasks))
        zeros = jnp.zeros((n,), jnp.float32)
        return RunnerState(
            train=TrainState(params, self.tx.init(params)), env_state=env_state, obs=obs, hidden=hidden,
            starts=starts, episodes=Episodes(zeros, zeros, jnp.zeros((n,), jnp.int32)),
            key=jax.random.key_data(k_run), update=jnp.int32(0))

    def train_chunk(self, runner: RunnerState, tasks: Any, fresh: Any = True) -> tuple[RunnerState, ChunkMetrics]:
        """``updates_per_chunk`` PPO updates on ``tasks`` (one seed; see ``chunk`` for the jitted batch).

        Tasks of a :class:`~envgen.envs.task_env.TaskEnv` get a pool of ``config.level_pool`` levels per
        slot (:func:`~envgen.train.tasks.level_pool`): the slot's task, then newly generated levels of the
        same task, and every episode that ends moves its slot to the next one (wrapping around, counted
        in ``SlotStats.wraps``). ``fresh=False`` replays each slot's own level for the whole chunk (what a
        replaying teacher asks for).
        """
        self.traces += 1
        cfg = self.config
        key, k_levels = jax.random.split(jax.random.wrap_key_data(runner.key))
        if self._pooled:
            tasks = level_pool(self.env, k_levels, tasks, cfg.level_pool, fresh)
            runner = runner.replace(key=jax.random.key_data(key))
        elif self._refresh is not None:
            # a family env holds its level in the state: a new one for each slot's next episode
            env_state, tasks = self._refresh(k_levels, runner.env_state, tasks)
            runner = runner.replace(env_state=env_state, key=jax.random.key_data(key))
        stats = self._empty_stats(runner)
        # the next episode of every slot starts on pool entry 1 (entry 0 is where the chunk began)
        index = jnp.full((cfg.num_envs,), 1 % cfg.level_pool, jnp.int32)
        (runner, stats, _), per_update = jax.lax.scan(lambda c, _: self._update(c, tasks), (runner, stats, index),
                                                      None, cfg.updates_per_chunk)
        pvl, maxmc, losses, mean_reward = per_update
        metrics = ChunkMetrics(slots=stats, pvl=pvl.mean(0), maxmc=maxmc.mean(0),
                               losses=jax.tree.map(jnp.mean, losses), mean_reward=mean_reward.mean())
        return runner, metrics

    # -- pieces -----------------------------------------------------------------------------------
    def _empty_stats(self, runner: RunnerState) -> SlotStats:
        n = self.config.num_envs
        k = self._num_achievements(runner)
        z = jnp.zeros((n,), jnp.float32)
        return SlotStats(episodes=z, returns=z, task_returns=z, successes=z, lengths=z,
                         achievements=jnp.zeros((n, k), jnp.float32), wraps=z)

    def _num_achievements(self, runner: RunnerState) -> int:
        achievements = env_achievements(runner.env_state)
        return 0 if achievements is None else int(achievements.shape[-1])

    def _policy(self, params, hidden, obs, starts):
        """One step of the network on a batch: ``hidden, logits [B, A], value [B]``."""
        hidden, logits, value = self.network.apply(params, hidden, jax.tree.map(lambda x: x[None], obs),
                                                   starts[None])
        return hidden, logits[0], value[0]

    def _env_step(self, carry, tasks):
        runner, stats, index = carry
        params = runner.train.params
        key, k_act, k_env = jax.random.split(jax.random.wrap_key_data(runner.key), 3)
        hidden, logits, value = self._policy(params, runner.hidden, runner.obs, runner.starts)
        action = jax.random.categorical(k_act, logits)
        logp = jnp.take_along_axis(jax.nn.log_softmax(logits), action[:, None], axis=-1)[:, 0]
        keys = jax.random.split(k_env, self.config.num_envs)
        slot_tasks = pool_slot(tasks, index) if self._pooled else tasks
        obs, env_state, reward, terminated, truncated, info = self._batch_step(keys, runner.env_state, action,
                                                                               slot_tasks)
        reward = reward.astype(jnp.float32)
        # V of where the step led before any auto-reset: the truncation bootstrap (XLA drops the actor head)
        _, _, next_value = self._policy(params, hidden, info["final_observation"],
                                        jnp.zeros_like(runner.starts))
        done = terminated | truncated
        stats, episodes = self._track(stats, runner.episodes, info, reward, terminated, done)
        if self._pooled:  # an episode that ended restarted on pool entry ``index``: the next one gets the next
            after = jnp.where(done, index + 1, index)
            wrapped = after >= self.config.level_pool
            stats = stats.replace(wraps=stats.wraps + (done & (index == 0)).astype(jnp.float32))
            index = jnp.where(wrapped, 0, after)
        transition = Transition(runner.obs, runner.starts, action, logp, value, reward, next_value, terminated,
                                done)
        if self.network.recurrent:
            hidden = jnp.where(done[:, None], jnp.zeros_like(hidden), hidden)
        runner = runner.replace(env_state=env_state, obs=obs, hidden=hidden, starts=done, episodes=episodes,
                                key=jax.random.key_data(key))
        return (runner, stats, index), transition

    def _track(self, stats: SlotStats, ep: Episodes, info, reward, terminated, done):
        task_reward = info.get("task_reward", reward).astype(jnp.float32)
        ret, task_ret, length = ep.ret + reward, ep.task_ret + task_reward, ep.length + 1
        d = done.astype(jnp.float32)
        achievements = stats.achievements
        if achievements.shape[-1]:
            achievements = achievements + d[:, None] * info["achievements"].astype(jnp.float32)
        stats = SlotStats(
            episodes=stats.episodes + d, returns=stats.returns + d * ret,
            task_returns=stats.task_returns + d * task_ret,
            successes=stats.successes + d * episode_success(info, task_reward, terminated),
            lengths=stats.lengths + d * length, achievements=achievements, wraps=stats.wraps)
        keep = 1.0 - d
        episodes = Episodes(ret * keep, task_ret * keep, jnp.where(done, 0, length))
        return stats, episodes

    def _update(self, carry, tasks):
        cfg = self.config
        runner, stats, index = carry
        hidden0 = runner.hidden
        (runner, stats, index), traj = jax.lax.scan(lambda c, _: self._env_step(c, tasks), (runner, stats, index),
                                                    None, cfg.num_steps)
        adv, targets = gae(traj.reward, traj.value, traj.next_value, traj.terminated, traj.done, cfg.gamma,
                           cfg.gae_lambda)
        pvl = jnp.maximum(adv, 0.0).mean(0)
        maxmc = targets.max(0) - traj.value.mean(0)
        key, k_epochs = jax.random.split(jax.random.wrap_key_data(runner.key))

        def epoch(train, k):
            batches = self._minibatches(k, traj, adv, targets, hidden0)
            return jax.lax.scan(self._minibatch_step, train, batches)

        train, losses = jax.lax.scan(epoch, runner.train, jax.random.split(k_epochs, cfg.update_epochs))
        runner = runner.replace(train=train, key=jax.random.key_data(key), update=runner.update + 1)
        return (runner, stats, index), (pvl, maxmc, losses, traj.reward.mean())

    def _minibatches(self, key, traj: Transition, adv, targets, hidden0):
        """Shuffled minibatches ``[M, T', N', ...]``: whole env sequences with a GRU, single steps without."""
        cfg = self.config
        m = cfg.num_minibatches
        data = (traj, adv, targets)
        if self.network.recurrent:
            perm = jax.random.permutation(key, cfg.num_envs)
            data = jax.tree.map(lambda x: jnp.take(x, perm, axis=1), data)
            split = lambda x: jnp.swapaxes(x.reshape(x.shape[0], m, -1, *x.shape[2:]), 0, 1)
            return jax.tree.map(split, data), jnp.take(hidden0, perm, axis=0).reshape(m, -1, hidden0.shape[-1])
        n = cfg.num_steps * cfg.num_envs
        perm = jax.random.permutation(key, n)
        flat = jax.tree.map(lambda x: jnp.take(x.reshape(n, *x.shape[2:]), perm, axis=0), data)
        batches = jax.tree.map(lambda x: x.reshape(m, 1, n // m, *x.shape[1:]), flat)
        return batches, jnp.zeros((m, n // m, hidden0.shape[-1]), hidden0.dtype)

    def _minibatch_step(self, train: TrainState, batch):
        (traj, adv, targets), hidden0 = batch
        grads, losses = jax.grad(self._loss, has_aux=True)(train.params, traj, adv, targets, hidden0)
        updates, opt_state = self.tx.update(grads, train.opt_state, train.params)
        return TrainState(optax.apply_updates(train.params, updates), opt_state), losses

    def _loss(self, params, traj: Transition, adv, targets, hidden0):
        cfg = self.config
        _, logits, value = self.network.apply(params, hidden0, traj.obs, traj.starts)
        logp_all = jax.nn.log_softmax(logits)
        logp = jnp.take_along_axis(logp_all, traj.action[..., None], axis=-1)[..., 0]
        ratio = jnp.exp(logp - traj.logp)
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        policy_loss = -jnp.minimum(ratio * adv, jnp.clip(ratio, 1 - cfg.clip_eps, 1 + cfg.clip_eps) * adv).mean()
        clipped = traj.value + jnp.clip(value - traj.value, -cfg.clip_eps, cfg.clip_eps)
        value_loss = 0.5 * jnp.maximum((value - targets) ** 2, (clipped - targets) ** 2).mean()
        entropy = -(jnp.exp(logp_all) * logp_all).sum(-1).mean()
        total = policy_loss + cfg.vf_coef * value_loss - cfg.ent_coef * entropy
        approx_kl = ((ratio - 1) - jnp.log(ratio)).mean()
        return total, {"policy_loss": policy_loss, "value_loss": value_loss, "entropy": entropy,
                       "approx_kl": approx_kl}
