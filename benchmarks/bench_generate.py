"""Time `envgen generate --provider offline --n 16` per family end to end, and where the time goes.

    python benchmarks/bench_generate.py [--n 16] [--families crafter,minigrid]

Writes the `## generate` section of docs/benchmarks.md (only that section).
"""

from __future__ import annotations

import argparse
import platform
import re
import tempfile
import time
from pathlib import Path

from envgen.generate.pipeline import generate
from envgen.generate.writer import write_run
from envgen.llm import get_provider

GOALS = {"crafter": "learn to mine diamonds", "minigrid": "unlock the door and pick up the blue ball"}
DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def bench(family: str, n: int) -> dict:
    t0 = time.perf_counter()
    result = generate(GOALS[family], family, n, get_provider("offline"))
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        write_run(result, Path(tmp) / "run")
        write_s = time.perf_counter() - t
    total = time.perf_counter() - t0
    return {"family": family, "status": result.status, "total": total, "write": write_s, **result.timings}


def section(rows: list[dict], n: int) -> str:
    lines = ["## generate", "",
             f"`envgen generate --provider offline --n {n}` in-process, cold (first run in the process, XLA "
             f"persistent cache as configured), {platform.processor() or platform.machine()}, "
             f"{platform.python_version()}. Seconds.", "",
             "| family | status | total | solvability | sandbox (child) | previews | config+AST | write |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        tot = r["total"]
        share = lambda k, r=r, tot=tot: f"{r.get(k, 0.0):.1f} ({r.get(k, 0.0) / tot:.0%})"  # noqa: E731
        lines.append(f"| {r['family']} | {r['status']} | {tot:.1f} | {share('solvability')} | {share('sandbox')} | "
                     f"{share('preview')} | {share('spec_ast')} | {share('write')} |")
    lines += ["", "Solvability and previews are dominated by compiling world generation once per process; the "
              "sandbox time is one child process (CPU JAX import + tracing every program).", ""]
    return "\n".join(lines)


def write_section(text: str) -> None:
    old = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## generate\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(text, old) if pattern.search(old) else old.rstrip("\n") + "\n\n" + text
    DOC.write_text(new)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--families", default="crafter,minigrid")
    args = ap.parse_args()
    rows = []
    for fam in args.families.split(","):
        try:
            rows.append(bench(fam, args.n))
        except Exception as err:  # a family still being written: say so in the table
            rows.append({"family": fam, "status": f"error: {type(err).__name__}", "total": float("nan")})
        print(rows[-1])
    write_section(section(rows, args.n))


if __name__ == "__main__":
    main()
