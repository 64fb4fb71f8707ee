"""``alp_gmm``: ALP-GMM as TeachMyAgent defines it (Portelas et al. 2019).

* **Absolute learning progress.** Each slot that finished episodes yields a point (task vector ``u``,
  outcome ``r``): its ALP is ``|r - r_nn|`` against the nearest earlier task in the history (0 until more
  than 5 points are stored), then ``(u, r)`` joins the history.
* **Fitting.** Once ``bootstrap`` points are in and every ``fit_rate`` points after that, GMMs with each
  component count in ``ks`` (full covariance) are fitted to the last ``fit_rate`` points of ``[u, ALP]``
  and the one with the lowest AIC is kept. Fitting runs on the host with scikit-learn, between chunks.
* **Sampling.** With probability ``random_ratio`` (always before the first fit) a task is uniform over
  the space; otherwise a component is picked with probability proportional to its mean ALP and a vector
  drawn from its Gaussian over ``u``, clipped to the unit cube. Sampling runs under ``jit``.

Defaults are TeachMyAgent's benchmark settings: fit_rate 150, random share 5 %, k in 2..9, AIC. The
state is a pytree of fixed-size arrays (history ring, padded mixture), so checkpoints hold all of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from flax import struct

from envgen.tasks.sampling import tasks_from_vectors
from envgen.tasks.space import ParamSpace
from envgen.tasks.task import Task
from envgen.teachers.base import TaskStats, Teacher

MIN_POINTS_FOR_ALP = 5  # TeachMyAgent computes no progress until more than 5 points are stored


@dataclass(frozen=True)
class ALPGMMConfig:
    """ALP-GMM settings (TeachMyAgent benchmark defaults)."""

    fit_rate: int = 150
    random_ratio: float = 0.05
    ks: tuple[int, ...] = tuple(range(2, 10))
    bootstrap: int | None = None  # points before the first fit; None: fit_rate
    history: int = 20000  # history ring for nearest-neighbour progress
    em_inits: int = 1
    signal: str = "success"  # outcome per point: "success" rate or mean "return"

    def __post_init__(self):
        if self.fit_rate < 2:
            raise ValueError("alp_gmm: fit_rate must be >= 2")
        if not 0.0 <= self.random_ratio <= 1.0:
            raise ValueError("alp_gmm: random_ratio must be in [0, 1]")
        if not self.ks or min(self.ks) < 1:
            raise ValueError("alp_gmm: ks must be a non-empty list of component counts >= 1")
        if self.signal not in ("success", "return"):
            raise ValueError("alp_gmm: signal must be 'success' or 'return'")
        if self.history < self.fit_rate:
            raise ValueError("alp_gmm: history must hold at least fit_rate points")


class ALPGMMState(struct.PyTreeNode):
    """History of (vector, outcome, ALP), the fitted mixture (padded to max(ks)) and the last batch."""

    hist_u: jax.Array      # [H, d]
    hist_r: jax.Array      # [H]
    hist_alp: jax.Array    # [H]
    seen: jax.Array        # int32 points ever added (ring position = seen % H)
    last_fit: jax.Array    # int32 value of ``seen`` at the last fit
    means: jax.Array       # [K, d+1]
    chol: jax.Array        # [K, d, d] Cholesky factor of each component's covariance over u
    weights: jax.Array     # [K] mixture weights (0: unused component)
    fitted: jax.Array      # bool
    last_u: jax.Array      # [n, d] vectors of the last sampled batch
    rng: jax.Array         # uint32[2]: seed material for the host-side EM restarts


class ALPGMMTeacher(Teacher):
    """ALP-GMM over a parameter space (see module docstring)."""

    name = "alp_gmm"
    jittable = False

    def __init__(self, env: Any, space: ParamSpace, config: ALPGMMConfig = ALPGMMConfig(), reward: Any = None):
        if space.ndim == 0:
            raise ValueError("alp_gmm: the parameter space has no dimensions")
        self.env = env
        self.space = space
        self.config = config
        self.reward = reward

    @property
    def bootstrap(self) -> int:
        return self.config.fit_rate if self.config.bootstrap is None else self.config.bootstrap

    def init(self, key: jax.Array, n: int) -> ALPGMMState:
        d, k, h = self.space.ndim, max(self.config.ks), self.config.history
        return ALPGMMState(hist_u=jnp.zeros((h, d), jnp.float32), hist_r=jnp.zeros((h,), jnp.float32),
                           hist_alp=jnp.zeros((h,), jnp.float32), seen=jnp.zeros((), jnp.int32),
                           last_fit=jnp.zeros((), jnp.int32), means=jnp.zeros((k, d + 1), jnp.float32),
                           chol=jnp.broadcast_to(jnp.eye(d, dtype=jnp.float32), (k, d, d)),
                           weights=jnp.zeros((k,), jnp.float32), fitted=jnp.array(False),
                           last_u=jnp.zeros((n, d), jnp.float32),
                           rng=jax.random.key_data(key).astype(jnp.uint32).reshape(-1)[:2])

    @partial(jax.jit, static_argnames=("self", "n"))
    def sample_vectors(self, state: ALPGMMState, key: jax.Array, n: int) -> jax.Array:
        """``n`` vectors: uniform with the random share (or before the first fit), else from the GMM."""
        k_rand, k_uniform, k_comp, k_noise = jax.random.split(key, 4)
        d = self.space.ndim
        alp = jnp.where(state.weights > 0, jnp.maximum(state.means[:, -1], 0.0), 0.0)
        # components with no progress at all: pick among the fitted ones uniformly
        p = jnp.where(alp.sum() > 0, alp, (state.weights > 0).astype(jnp.float32))
        comp = jax.random.choice(k_comp, p.shape[0], (n,), p=p / jnp.maximum(p.sum(), 1e-12))
        z = jax.random.normal(k_noise, (n, d))
        gauss = state.means[comp, :d] + jnp.einsum("nij,nj->ni", state.chol[comp], z)
        uniform = self.space.sample(k_uniform, (n,))
        use_random = (jax.random.uniform(k_rand, (n,)) < self.config.random_ratio) | ~state.fitted
        return self.space.clip(jnp.where(use_random[:, None], uniform, gauss))

    def sample(self, state: ALPGMMState, key: jax.Array) -> tuple[ALPGMMState, Task]:
        k_u, k_level = jax.random.split(key)
        u = self.sample_vectors(state, k_u, state.last_u.shape[0])
        tasks = tasks_from_vectors(self.env, self.space, k_level, u, self.reward)
        return state.replace(last_u=u), tasks

    def update(self, state: ALPGMMState, tasks: Task, stats: TaskStats) -> ALPGMMState:
        """Add each finished slot's point with its ALP; refit when ``fit_rate`` new points are in."""
        signal = stats.success if self.config.signal == "success" else stats.returns
        done = np.asarray(stats.episodes) > 0
        return self.add_points(state, np.asarray(state.last_u)[done], np.asarray(signal)[done])

    def add_points(self, state: ALPGMMState, us: np.ndarray, rs: np.ndarray) -> ALPGMMState:
        """Host side: append points (computing ALP against the nearest earlier one) and refit when due."""
        cfg, h = self.config, self.config.history
        hist_u, hist_r, hist_alp = (np.array(x) for x in (state.hist_u, state.hist_r, state.hist_alp))
        seen = int(state.seen)
        for u, r in zip(np.asarray(us, np.float32), np.asarray(rs, np.float32), strict=True):
            stored = min(seen, h)
            alp = 0.0
            if stored > MIN_POINTS_FOR_ALP:
                nearest = int(np.argmin(np.sum((hist_u[:stored] - u) ** 2, axis=1)))
                alp = abs(float(r) - float(hist_r[nearest]))
            hist_u[seen % h], hist_r[seen % h], hist_alp[seen % h] = u, r, alp
            seen += 1
        state = state.replace(hist_u=jnp.asarray(hist_u), hist_r=jnp.asarray(hist_r),
                              hist_alp=jnp.asarray(hist_alp), seen=jnp.asarray(seen, jnp.int32))
        if seen >= self.bootstrap and seen - int(state.last_fit) >= cfg.fit_rate:
            state = self._fit(state)
        return state

    def _fit(self, state: ALPGMMState) -> ALPGMMState:
        from sklearn.mixture import GaussianMixture
        from threadpoolctl import threadpool_limits

        cfg, h, d = self.config, self.config.history, self.space.ndim
        seen = int(state.seen)
        order = np.arange(seen - cfg.fit_rate, seen) % h
        data = np.concatenate([np.asarray(state.hist_u)[order], np.asarray(state.hist_alp)[order, None]], axis=1)
        seed = int(np.asarray(state.rng)[0] ^ np.uint32(seen)) % (2**31 - 1)
        best, best_aic = None, np.inf
        # tiny matrices: BLAS threads only contend (a 3x3 solve took 16 ms with them on a busy machine)
        with threadpool_limits(1):
            for k in cfg.ks:
                if k > len(data):
                    continue
                gmm = GaussianMixture(n_components=k, covariance_type="full", n_init=cfg.em_inits,
                                      random_state=seed).fit(data)
                aic = gmm.aic(data)
                if aic < best_aic:
                    best, best_aic = gmm, aic
        kmax = max(cfg.ks)
        means = np.zeros((kmax, d + 1), np.float32)
        chol = np.broadcast_to(np.eye(d, dtype=np.float32), (kmax, d, d)).copy()
        weights = np.zeros((kmax,), np.float32)
        k = best.n_components
        means[:k] = best.means_
        for i in range(k):
            cov = best.covariances_[i][:d, :d] + 1e-9 * np.eye(d)
            chol[i] = np.linalg.cholesky(cov)
        weights[:k] = best.weights_
        return state.replace(means=jnp.asarray(means), chol=jnp.asarray(chol), weights=jnp.asarray(weights),
                             fitted=jnp.array(True), last_fit=jnp.asarray(seen, jnp.int32))

    def summary(self, state: ALPGMMState) -> dict[str, Any]:
        used = np.asarray(state.weights) > 0
        alp = np.asarray(state.means)[used, -1]
        stored = min(int(state.seen), self.config.history)
        return {"points": int(state.seen), "components": int(used.sum()),
                "mean_alp": float(np.mean(np.asarray(state.hist_alp)[:stored])) if stored else 0.0,
                "component_alp": [round(float(a), 4) for a in alp]}

