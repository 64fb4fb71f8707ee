"""A comparison's results file -> a Markdown report with PNG plots (matplotlib, no display needed).

The results file (``results.json``) holds, per teacher, the raw per-seed numbers, so anyone can
re-analyse them::

    {"name": ..., "target": ..., "metric": "success", "total_steps": N, "baselines": ["fixed", "random"],
     "teachers": {"plr": {"seeds": [...],
                          "curve": {"steps": [...], "values": [[...], ...]},        # per seed
                          "final": {"tasks": [...], "scores": [[...], ...]},        # per seed, per task
                          "skills": {"names": [...], "rates": [[...], ...]},        # optional
                          "heldout": {"tasks": [...], "scores": [[...], ...]},      # optional
                          "wall_clock_s": 12.3, "steps_per_s": 4.5e4,
                          "curriculum": {"summary": "...",                          # optional
                                         "mean_u": [[...], ...]}}}}   # mean task vector per chunk
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from envgen.compare import stats


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def check_results(results: dict[str, Any]) -> None:
    """Raise a ValueError naming the first malformed part of a results mapping."""
    teachers = results.get("teachers")
    if not isinstance(teachers, dict) or not teachers:
        raise ValueError("results: 'teachers' must map each teacher name to its per-seed results")
    for name, r in teachers.items():
        for key in ("seeds", "curve", "final"):
            if key not in r:
                raise ValueError(f"results.teachers.{name}: missing {key!r}")
        n = len(r["seeds"])
        if np.asarray(r["curve"]["values"]).shape[:1] != (n,):
            raise ValueError(f"results.teachers.{name}.curve.values: one curve per seed expected ({n})")
        scores = np.asarray(r["final"]["scores"])
        if scores.shape != (n, len(r["final"]["tasks"])):
            raise ValueError(f"results.teachers.{name}.final.scores: shape {scores.shape}, expected "
                             f"({n}, {len(r['final']['tasks'])})")


def final_scores(results: dict[str, Any]) -> dict[str, np.ndarray]:
    """``{teacher: scores[seeds, tasks]}``."""
    return {k: np.asarray(v["final"]["scores"], np.float64) for k, v in results["teachers"].items()}


def analyse(results: dict[str, Any], reps: int = stats.DEFAULT_REPS, seed: int = 0) -> dict[str, Any]:
    """IQM intervals, probability of improvement of every teacher over each baseline, and verdicts."""
    check_results(results)
    scores = final_scores(results)
    iqms = stats.iqm_intervals(scores, reps=reps, seed=seed)
    baselines = [b for b in results.get("baselines", []) if b in scores]
    pairs: list[tuple[str, str]] = []
    for x in scores:
        for b in baselines:
            if x != b and (b, x) not in pairs:  # two baselines are compared once
                pairs.append((x, b))
    poi = stats.probability_of_improvement(scores, pairs, reps=reps, seed=seed) if pairs else {}
    verdicts = []
    for x, b in pairs:
        verdicts.append(f"`{x}` {_verdict(iqms[x], iqms[b])} `{b}` (IQM {iqms[x]} vs {iqms[b]}; "
                        f"P({x} > {b}) = {poi[(x, b)]})")
    efficiency = sample_efficiency(results, pairs, reps=reps, seed=seed)
    return {"iqm": iqms, "poi": poi, "verdicts": verdicts, **efficiency}


def _verdict(a: stats.Estimate, b: stats.Estimate) -> str:
    if a.low > b.high:
        return "beats"
    if a.high < b.low:
        return "is beaten by"
    return "is not distinguishable from"


def sample_efficiency(results: dict[str, Any], pairs: list[tuple[str, str]], reps: int = stats.DEFAULT_REPS,
                      seed: int = 0) -> dict[str, Any]:
    """What a curriculum buys: the area under each run's learning curve (IQM with its 95% interval, and
    verdicts against the baselines) and the steps each run took to reach the success threshold."""
    teachers = results["teachers"]
    auc = {k: stats.area_under_curve(v["curve"]["steps"], v["curve"]["values"])[:, None]
           for k, v in teachers.items()}
    auc_iqm = stats.iqm_intervals(auc, reps=reps, seed=seed)
    verdicts = [f"`{x}` {_verdict(auc_iqm[x], auc_iqm[b])} `{b}` (area under the curve, IQM {auc_iqm[x]} vs "
                f"{auc_iqm[b]})" for x, b in pairs]
    threshold = results.get("threshold")
    reach: dict[str, list[float]] = {}
    if threshold is not None:
        reach = {k: stats.steps_to_threshold(v["curve"]["steps"], v["curve"]["values"], threshold).tolist()
                 for k, v in teachers.items()}
    return {"auc": auc_iqm, "auc_runs": {k: v[:, 0].tolist() for k, v in auc.items()}, "auc_verdicts": verdicts,
            "threshold": threshold, "steps_to_threshold": reach}


def _reach_cell(values: list[float]) -> list[str]:
    arr = np.asarray(values, np.float64)
    done = np.isfinite(arr)
    median = np.median(arr)  # runs that never reach it count as later than any that did
    text = "not reached" if not np.isfinite(median) else f"{median:,.0f}"
    return [f"{int(done.sum())}/{arr.size}", text]


def _plot_curves(results: dict[str, Any], path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, r in results["teachers"].items():
        steps = np.asarray(r["curve"]["steps"], np.float64)
        mean, lo, hi = stats.bootstrap_band(np.asarray(r["curve"]["values"], np.float64))
        ax.plot(steps, mean, label=name)
        ax.fill_between(steps, lo, hi, alpha=0.2)
    ax.set_xlabel("environment steps")
    ax.set_ylabel(results.get("metric", "score") + " on the target")
    ax.set_title("Learning curves (mean, 95% bootstrap band over seeds)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_iqm(iqms: dict[str, stats.Estimate], path: Path, metric: str) -> None:
    plt = _plt()
    names = list(iqms)
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.45 * len(names)))
    vals = np.array([iqms[n].value for n in names])
    err = np.array([[iqms[n].value - iqms[n].low for n in names], [iqms[n].high - iqms[n].value for n in names]])
    ax.barh(names, vals, xerr=err, capsize=4, color="tab:blue", alpha=0.7)
    ax.set_xlabel(f"IQM of final {metric} (95% stratified bootstrap CI)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_profiles(scores: dict[str, np.ndarray], path: Path, reps: int, seed: int) -> None:
    plt = _plt()
    hi = max(1.0, max(float(s.max()) for s in scores.values()))
    taus = np.linspace(0.0, hi, 41)
    profiles = stats.performance_profiles(scores, taus, reps=reps, seed=seed)
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for name, (prof, band) in profiles.items():
        ax.plot(taus, prof, label=name)
        ax.fill_between(taus, band[0], band[1], alpha=0.2)
    ax.set_xlabel("score threshold tau")
    ax.set_ylabel("fraction of runs with score > tau")
    ax.set_title("Performance profiles")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_poi(poi: dict[tuple[str, str], stats.Estimate], path: Path) -> None:
    plt = _plt()
    labels = [f"P({x} > {y})" for x, y in poi]
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.4 * len(labels)))
    vals = np.array([e.value for e in poi.values()])
    err = np.array([[e.value - e.low for e in poi.values()], [e.high - e.value for e in poi.values()]])
    ax.barh(labels, vals, xerr=err, capsize=4, color="tab:green", alpha=0.7)
    ax.axvline(0.5, color="grey", linestyle="--")
    ax.set_xlim(0, 1)
    ax.set_xlabel("probability of improvement (95% CI)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_skills(results: dict[str, Any], path: Path) -> bool:
    teachers = {k: v for k, v in results["teachers"].items() if v.get("skills")}
    if not teachers:
        return False
    plt = _plt()
    names = next(iter(teachers.values()))["skills"]["names"]
    grid = np.array([np.asarray(v["skills"]["rates"], np.float64).mean(axis=0) for v in teachers.values()])
    fig, ax = plt.subplots(figsize=(max(6.4, 0.35 * len(names)), 0.8 + 0.45 * len(teachers)))
    im = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(names)), names, rotation=70, ha="right", fontsize=7)
    ax.set_yticks(range(len(teachers)), list(teachers))
    fig.colorbar(im, ax=ax, label="success rate")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def _plot_curricula(results: dict[str, Any], path: Path) -> bool:
    """Per teacher, the mean sampled task vector over the chunks (one line per dimension)."""
    teachers = {k: v["curriculum"] for k, v in results["teachers"].items() if v.get("curriculum", {}).get("mean_u")}
    if not teachers:
        return False
    plt = _plt()
    fig, axes = plt.subplots(1, len(teachers), figsize=(3.2 * len(teachers), 3.0), squeeze=False, sharey=True)
    for ax, (name, c) in zip(axes[0], teachers.items(), strict=True):
        u = np.asarray(c["mean_u"], np.float64)
        dims = c.get("dims") or [f"u{j}" for j in range(u.shape[1])]
        for j in range(u.shape[1]):
            ax.plot(np.arange(1, len(u) + 1), u[:, j], label=dims[j])
        ax.set_title(name, fontsize=9)
        ax.legend(fontsize=6)
        ax.set_xlabel("chunk")
        ax.set_ylim(0, 1)
    axes[0][0].set_ylabel("mean sampled task vector")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def _setup_lines(results: dict[str, Any]) -> list[str]:
    """The comparison's protocol in words (when the results carry the comparison file)."""
    cfg = results.get("comparison")
    if not cfg:
        return []
    st, b, ev = cfg["student"], cfg["budget"], cfg["evaluation"]
    settings = ", ".join(f"{k} {v}" for k, v in st.items() if k not in ("kind", "num_envs", "steps"))
    lines = [f"Setup: student `{st['kind']}` ({settings or 'defaults'}); {b['chunks']} chunks x "
             f"{st['num_envs']} envs x {st['steps']} steps per env"]
    if b.get("target_chunks"):
        lines[0] += (f"; the teacher picks the tasks of the first {b['chunks'] - b['target_chunks']} chunks, "
                     f"the last {b['target_chunks']} train on the target alone")
    held = ", ".join(ev.get("heldout") or []) or "none"
    episode = ("one episode per env slot, unfinished at the horizon = failure" if st["kind"] == "ppo"
               else "every finished episode")
    lines[0] += (f". Evaluation every {ev['every']} chunks and at the end on {ev['steps']}-step rollouts "
                 f"({episode}; {ev['seeds']} evaluation keys); held-out tasks: {held}. "
                 f"Seeds: {', '.join(map(str, cfg['seeds']))}.")
    teachers = "; ".join(f"`{k}`: " + ", ".join(f"{a} {v}" for a, v in t.items()) for k, t in cfg["teachers"].items())
    return [*lines, "", f"Teachers: {teachers}.", ""]


def _provenance_lines(results: dict[str, Any]) -> list[str]:
    """Where the numbers were made: the machine, and per teacher the commits and the load averages."""
    rows = []
    for name, r in results["teachers"].items():
        prov = r.get("provenance") or {}
        load = prov.get("load")
        rows.append([name, ", ".join(prov.get("commits") or ["not recorded"]),
                     "not recorded" if not load else f"{load[0]:.1f}-{load[1]:.1f}",
                     f"{r.get('wall_clock_s', float('nan')):.0f}"])
    lines = ["## Provenance", ""]
    if results.get("machine"):
        lines += [f"Machine (at report time): {results['machine']}.", ""]
    return [*lines, _table(["teacher", "commit(s)", "load average at run start/end", "median wall-clock per run (s)"],
                           rows), ""]


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(results: dict[str, Any], out: str | os.PathLike, reps: int = stats.DEFAULT_REPS,
                 seed: int = 0) -> Path:
    """Write ``report.md``, the PNG plots and ``results.json`` into ``out``; return the report's path."""
    from envgen.io import write_text_atomic

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    analysis = analyse(results, reps=reps, seed=seed)
    scores = final_scores(results)
    metric = results.get("metric", "score")
    _plot_curves(results, out / "learning_curves.png")
    _plot_iqm(analysis["iqm"], out / "final_iqm.png", metric)
    _plot_profiles(scores, out / "performance_profiles.png", reps, seed)
    plots = ["learning_curves.png", "final_iqm.png", "performance_profiles.png"]
    if analysis["poi"]:
        _plot_poi(analysis["poi"], out / "probability_of_improvement.png")
        plots.append("probability_of_improvement.png")
    if _plot_skills(results, out / "skills.png"):
        plots.append("skills.png")
    if _plot_curricula(results, out / "curricula.png"):
        plots.append("curricula.png")

    teachers = results["teachers"]
    first = next(iter(teachers.values()))
    tasks = first["final"]["tasks"]
    md = [f"# Curriculum comparison: {results.get('name', 'unnamed')}", ""]
    counts = {k: len(v["seeds"]) for k, v in teachers.items()}
    if len(set(counts.values())) == 1:
        seeds = f"{len(first['seeds'])} seeds per teacher"
    else:  # a comparison reported before all its runs finished
        seeds = "seeds per teacher: " + ", ".join(f"{k} {n}" for k, n in counts.items())
    md += [f"Target: {results.get('target', '?')}; {results.get('total_steps', '?')} environment steps per run; "
           f"{seeds}; metric: {metric}. Intervals are 95% stratified-bootstrap "
           f"confidence intervals over seeds ({reps} resamples, rliable).", ""]
    md += _setup_lines(results)
    md += ["## Final performance", ""]
    rows = []
    for name, r in teachers.items():
        s = scores[name]
        rows.append([name, str(analysis["iqm"][name]), *(f"{m:.3f}" for m in s.mean(axis=0)),
                     f"{r.get('wall_clock_s', float('nan')):.0f}", f"{r.get('steps_per_s', float('nan')):,.0f}"])
    md += [_table(["teacher", f"IQM {metric} [95% CI]", *(f"mean: {t}" for t in tasks), "wall-clock s", "steps/s"],
                  rows), "", "![final IQM](final_iqm.png)", ""]
    heldout = {k: np.asarray(v["heldout"]["scores"], np.float64) for k, v in teachers.items()
               if v.get("heldout") and np.asarray(v["heldout"]["scores"]).size}
    if heldout:
        held_iqm = stats.iqm_intervals(heldout, reps=reps, seed=seed)
        names = next(v for v in teachers.values() if v.get("heldout"))["heldout"]["tasks"]
        rows = [[k, str(held_iqm[k]), *(f"{m:.3f}" for m in s.mean(axis=0))] for k, s in heldout.items()]
        md += ["## Held-out tasks", "", _table(["teacher", f"IQM {metric} [95% CI]", *(f"mean: {t}" for t in names)],
                                               rows), ""]
    md += ["## Sample efficiency", "",
           "Area under the curve: each run's mean score over its evaluations (1.0 = solved from the first "
           "evaluation on); what a curriculum buys shows here before it shows in the final score.", ""]
    rows = []
    for name in teachers:
        row = [name, str(analysis["auc"][name])]
        if analysis["threshold"] is not None:
            row += _reach_cell(analysis["steps_to_threshold"][name])
        rows.append(row)
    header = ["teacher", f"IQM area under the {metric} curve [95% CI]"]
    if analysis["threshold"] is not None:
        header += [f"runs reaching {analysis['threshold']:g}", "median steps to reach it"]
    md += [_table(header, rows), ""]
    if analysis["verdicts"]:
        md += ["## Against the baselines", ""] + [f"- {v}" for v in analysis["verdicts"]]
        md += [f"- {v}" for v in analysis["auc_verdicts"]] + [""]
        md += ["![probability of improvement](probability_of_improvement.png)", ""]
    md += ["## Learning curves", "", "![learning curves](learning_curves.png)", "",
           "## Performance profiles", "", "![performance profiles](performance_profiles.png)", ""]
    if "skills.png" in plots:
        names = next(v for v in teachers.values() if v.get("skills"))["skills"]["names"]
        rows = [[k, *(f"{x:.2f}" for x in np.asarray(v["skills"]["rates"]).mean(axis=0))]
                for k, v in teachers.items() if v.get("skills")]
        md += ["## Per-skill success rates (mean over seeds)", "", _table(["teacher", *names], rows), "",
               "![skills](skills.png)", ""]
    curricula = {k: v["curriculum"] for k, v in teachers.items() if v.get("curriculum")}
    if curricula:
        md += ["## The curriculum each teacher produced", ""]
        for k, c in curricula.items():
            md += [f"- **{k}**: {c.get('summary', '')}"]
        md += [""]
        if "curricula.png" in plots:
            md += ["![curricula](curricula.png)", ""]
    md += _provenance_lines(results)
    md += ["Raw per-seed results: `results.json`."]
    write_text_atomic(out / "results.json", json.dumps(results, indent=1, sort_keys=True))
    return write_text_atomic(out / "report.md", "\n".join(md) + "\n")
