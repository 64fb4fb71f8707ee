"""Write the summary tables of docs/results.md from published comparison folders.

Each folder under docs/results/ is what ``envgen compare`` wrote (report.md, results.json, plots); this
script reads its results.json and rewrites one ``## Summary: <name>`` section of docs/results.md with the
final IQM, the area under the learning curve, the steps to the success threshold and P(X > baseline) per
teacher, the command that makes it and where it was made (commits, load, machine). The prose around the
tables is written by people and quotes only numbers these tables hold.

    python benchmarks/results_page.py docs/results/minigrid-doorkey8-cpu
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import markdown_table, write_section  # noqa: E402

from envgen.compare.report import analyse  # noqa: E402

PAGE = Path(__file__).resolve().parents[1] / "docs" / "results.md"


def _reach(values: list[float]) -> tuple[str, str]:
    arr = np.asarray(values, np.float64)
    median = np.median(arr)
    return f"{int(np.isfinite(arr).sum())}/{arr.size}", ("not reached" if not np.isfinite(median) else f"{median:,.0f}")


def summary(folder: Path, reps: int = 2000) -> tuple[str, str]:
    """The section name and its Markdown for one comparison folder."""
    results = json.loads((folder / "results.json").read_text())
    a = analyse(results, reps=reps)
    teachers = results["teachers"]
    baselines = [b for b in results.get("baselines", []) if b in teachers]
    header = ["teacher", "seeds", f"final IQM {results['metric']} [95% CI]", "area under the curve, IQM [95% CI]"]
    if a["threshold"] is not None:
        header += [f"runs reaching {a['threshold']:g}", "median steps to reach it"]
    header += [f"P(X > {b}) [95% CI]" for b in baselines] + ["median wall-clock per run (s)", "load", "commit(s)"]
    rows = []
    for name, t in teachers.items():
        row = [name, str(len(t["seeds"])), str(a["iqm"][name]), str(a["auc"][name])]
        if a["threshold"] is not None:
            row += list(_reach(a["steps_to_threshold"][name]))
        row += [str(a["poi"][(name, b)]) if (name, b) in a["poi"] else "-" for b in baselines]
        prov = t.get("provenance") or {}
        load = prov.get("load")
        row += [f"{t.get('wall_clock_s', float('nan')):.0f}", "-" if not load else f"{load[0]:.1f}-{load[1]:.1f}",
                ", ".join(prov.get("commits") or ["not recorded"])]
        rows.append(row)
    name = results.get("name", folder.name)
    text = [f"Command: `envgen compare benchmarks/comparisons/{name}.yaml --out runs/{name}` "
            f"({results['total_steps']:,} environment steps per run). Report: "
            f"[{folder.relative_to(PAGE.parent).as_posix()}/report.md]({folder.relative_to(PAGE.parent).as_posix()}"
            "/report.md).", "",
            markdown_table(header, rows), "",
            f"Machine: {results.get('machine', 'not recorded')}. Intervals: 95% stratified bootstrap over seeds "
            f"({reps} resamples, rliable)."]
    try:  # the section is named after the folder: one comparison file can have several published runs
        label = folder.relative_to(PAGE.parent / "results").as_posix()
    except ValueError:
        label = folder.name
    return f"Summary: {label}", "\n".join(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="published comparison folders (docs/results/NAME)")
    parser.add_argument("--reps", type=int, default=2000)
    args = parser.parse_args()
    for folder in args.folders:
        section, text = summary(folder.resolve(), args.reps)
        write_section(section, text, PAGE)
        print(f"{PAGE}: wrote ## {section}")


if __name__ == "__main__":
    main()
