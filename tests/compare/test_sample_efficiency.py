"""Sample efficiency, what a curriculum buys: area under the learning curve and steps to a threshold."""

from __future__ import annotations

import numpy as np

from envgen.compare import stats
from envgen.compare.report import sample_efficiency


def test_area_under_curve_is_the_mean_score_over_the_evaluated_span():
    steps = np.array([0, 10, 20, 40])
    curves = np.array([[0, 0, 0, 0], [1, 1, 1, 1], [0, 1, 1, 1]], float)
    np.testing.assert_allclose(stats.area_under_curve(steps, curves), [0.0, 1.0, 0.875])


def test_steps_to_threshold_is_the_first_evaluation_at_or_above_it():
    steps = np.array([10, 20, 30])
    curves = np.array([[0.1, 0.5, 0.9], [0.6, 0.2, 0.9], [0.0, 0.1, 0.2]])
    np.testing.assert_array_equal(stats.steps_to_threshold(steps, curves, 0.5), [20, 10, np.inf])


def test_an_earlier_learner_beats_a_later_one_on_area_with_equal_final_scores():
    steps = list(range(0, 80, 10))
    early = [[0, 0.5, 1, 1, 1, 1, 1, 1]] * 3 + [[0, 0.4, 0.9, 1, 1, 1, 1, 1]] * 3
    late = [[0, 0, 0, 0, 0, 0.5, 1, 1]] * 3 + [[0, 0, 0, 0, 0.1, 0.6, 0.9, 1]] * 3
    results = {"threshold": 0.5, "teachers": {
        "early": {"curve": {"steps": steps, "values": early}},
        "late": {"curve": {"steps": steps, "values": late}}}}
    out = sample_efficiency(results, [("early", "late")], reps=200)
    assert out["auc"]["early"].low > out["auc"]["late"].high
    assert out["auc_verdicts"][0].startswith("`early` beats `late`")
    assert max(out["steps_to_threshold"]["early"]) < min(out["steps_to_threshold"]["late"])


def test_intervals_do_not_depend_on_the_order_methods_are_listed_in():
    rng = np.random.default_rng(0)
    scores = {name: rng.uniform(size=(10, 1)) for name in ("b", "a", "c")}
    forward = stats.iqm_intervals(scores, reps=300)
    backward = stats.iqm_intervals(dict(reversed(list(scores.items()))), reps=300)
    assert forward == backward
    pairs = [("b", "a"), ("c", "a")]
    assert stats.probability_of_improvement(scores, pairs, reps=300) == stats.probability_of_improvement(
        scores, pairs[::-1], reps=300)
