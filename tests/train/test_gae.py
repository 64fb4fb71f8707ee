"""GAE bootstraps from the pre-reset observation on truncation and not on termination."""

import jax.numpy as jnp
import numpy as np
import pytest

from envgen.train.gae import gae


def test_gae_matches_hand_computed_trajectory_with_truncation_and_termination():
    # One env, four steps: step 1 is cut by the time limit (truncated), step 3 ends the episode (terminated).
    rewards = jnp.array([1.0, 0.0, 2.0, 1.0])
    values = jnp.array([0.5, 1.0, 0.2, 0.4])
    # V(final_observation): on ordinary steps it is V of the next observation; at step 1 it is V of the
    # state where the episode was cut (3.0); at step 3 it must be ignored (terminal).
    next_values = jnp.array([1.0, 3.0, 0.4, 0.7])
    terminated = jnp.array([False, False, False, True])
    dones = jnp.array([False, True, False, True])
    gamma, lam = 0.9, 0.8
    # deltas: d0 = 1 + .9*1 - .5 = 1.4; d1 = 0 + .9*3 - 1 = 1.7; d2 = 2 + .9*.4 - .2 = 2.16; d3 = 1 - .4 = .6
    # A3 = .6; A2 = 2.16 + .72*.6 = 2.592; A1 = 1.7 (episode boundary); A0 = 1.4 + .72*1.7 = 2.624
    expected = np.array([2.624, 1.7, 2.592, 0.6])
    adv, targets = gae(rewards, values, next_values, terminated, dones, gamma, lam)
    np.testing.assert_allclose(adv, expected, rtol=1e-6)
    np.testing.assert_allclose(targets, expected + np.asarray(values), rtol=1e-6)
    # Treating the truncation as a termination (PureJaxRL's done mask) would give A1 = -1.0 instead.
    assert adv[1] == pytest.approx(1.7)


def test_gae_is_batched_over_trailing_axes():
    rng = np.random.default_rng(0)
    shape = (5, 3)
    args = [jnp.asarray(rng.normal(size=shape), jnp.float32) for _ in range(3)]
    term = jnp.asarray(rng.random(shape) < 0.2)
    dones = term | jnp.asarray(rng.random(shape) < 0.2)
    adv, _ = gae(*args, term, dones, 0.99, 0.95)
    for b in range(3):
        one, _ = gae(*(a[:, b] for a in args), term[:, b], dones[:, b], 0.99, 0.95)
        np.testing.assert_allclose(adv[:, b], one, rtol=1e-5)
