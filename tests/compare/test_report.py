"""The comparison report: Markdown, PNG plots and raw JSON from a results mapping."""

from __future__ import annotations

import json

import numpy as np
import pytest

from envgen.compare.report import analyse, check_results, write_report


def _results(gap: float = 0.4) -> dict:
    rng = np.random.default_rng(0)
    teachers = {}
    for name, level in (("fixed", 0.2), ("plr", 0.2 + gap)):
        seeds = list(range(5))
        steps = [0, 1000, 2000, 3000]
        curves = [[0.0, level / 3, 2 * level / 3, level + rng.normal(0, 0.02)] for _ in seeds]
        final = [[level + rng.normal(0, 0.02), level / 2 + rng.normal(0, 0.02)] for _ in seeds]
        skills = [[level, 1.0, 0.0] for _ in seeds]
        teachers[name] = {"seeds": seeds, "curve": {"steps": steps, "values": curves},
                          "final": {"tasks": ["DoorKey-8x8", "held-out"], "scores": final},
                          "skills": {"names": ["open_door", "pickup_key", "reach_goal"], "rates": skills},
                          "wall_clock_s": 10.0, "steps_per_s": 300.0, "curriculum": {"summary": f"{name} tasks"}}
    return {"name": "toy", "target": "minigrid/DoorKey-8x8", "metric": "success", "total_steps": 3000,
            "baselines": ["fixed"], "teachers": teachers}


def test_report_files_and_verdict(tmp_path):
    report = write_report(_results(), tmp_path, reps=300)
    text = report.read_text()
    for name in ("learning_curves.png", "final_iqm.png", "performance_profiles.png",
                 "probability_of_improvement.png", "skills.png"):
        assert (tmp_path / name).stat().st_size > 1000, name
        assert f"({name})" in text
    assert "`plr` beats `fixed`" in text
    assert json.loads((tmp_path / "results.json").read_text())["teachers"]["plr"]["seeds"] == [0, 1, 2, 3, 4]


def test_no_gap_is_reported_as_indistinguishable():
    analysis = analyse(_results(gap=0.0), reps=300)
    assert any("is not distinguishable from" in v for v in analysis["verdicts"])


def test_malformed_results_name_the_part_at_fault():
    bad = _results()
    bad["teachers"]["plr"]["final"]["scores"] = [[0.1]] * 5
    with pytest.raises(ValueError, match=r"results.teachers.plr.final.scores: shape \(5, 1\)"):
        check_results(bad)
    with pytest.raises(ValueError, match="'teachers'"):
        check_results({"teachers": {}})
