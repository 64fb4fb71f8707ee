#!/usr/bin/env bash
# PPO training throughput on a GPU, in minutes: the same comparisons as on CPU (envgen vs navix DoorKey-8x8
# and vs Craftax-Classic-Symbolic, same PPO and network, timed interleaved in one process), at the default
# batch and at GPU-sized batches, then envgen's scaling over the visible GPUs.
#
#   benchmarks/device_train.sh fetch      # here, once: wheels the GPU image lacks, into .whl/ (git-ignored)
#   benchmarks/device_train.sh run        # on the GPU machine, in the repo root: results go to $OUT (or runs/)
#
# With the device tool: run(command="bash benchmarks/device_train.sh run", carry=[".whl"], timeout_s=600).
# The GPU image already holds jax (CUDA), flax, optax, orbax, chex, numpy, rich, click, pyyaml, jinja2,
# matplotlib and scikit-learn; the wheels below are the rest that envgen and the two peers import.
# navix imports wandb at the top of a module the benchmark never uses; rather than carry wandb's large
# wheels, `run` puts an empty stand-in module on the path when wandb is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

WHEELS=(navix==0.7.4 craftax==1.6.1 gymnax==1.0.1 rlax==0.1.9 distrax==0.1.9 dm-env==1.6 dm-tree==0.1.10
        tfp-nightly==0.26.0.dev20261027 pydantic==2.14.4 pydantic-core==2.50.5 annotated-types==0.8.0
        typing-inspection==0.4.5 opensimplex==0.4.5.1 rliable==1.2.0 arch==7.2.0)

fetch() {
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> "$(git rev-parse --git-path info/exclude)"
  mkdir -p .whl
  for w in "${WHEELS[@]}"; do
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
      --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
      -d .whl "$w" || python3 -m pip download -q --no-deps --python-version 3.12 -d .whl "$w"
  done
  du -sh .whl
}

run() {
  local out=${OUT:-runs/device_train}
  mkdir -p "$out" /tmp/site
  if compgen -G ".whl/*.whl" > /dev/null; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  fi
  python3 -c "import wandb" 2>/dev/null || { mkdir -p /tmp/stub/wandb && : > /tmp/stub/wandb/__init__.py; }
  export PYTHONPATH="$PWD:/tmp/site:/tmp/stub${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
  python3 -c "import jax; d = jax.devices(); print(d); assert d[0].platform == 'gpu', 'no GPU visible'"
  local gpus
  gpus=$(python3 -c "import jax; print(jax.device_count())")
  {
    echo "## default batch (64 envs x 128 steps), as on CPU"
    python3 benchmarks/bench_train.py --updates 8 --repeats 3
    for envs in 1024 4096; do
      echo "## ${envs} envs x 128 steps"
      python3 benchmarks/bench_train.py --num-envs "$envs" --updates 4 --repeats 3
    done
    if [ "$gpus" -gt 1 ]; then
      echo "## scaling over ${gpus} GPUs (4096 envs)"
      local counts=1 n=2
      while [ "$n" -le "$gpus" ]; do counts="$counts,$n"; n=$((n * 2)); done
      python3 benchmarks/bench_train.py --num-envs 4096 --updates 4 --scaling "$counts"
    fi
  } 2>&1 | tee "$out/device_train.txt"
}

case "${1:-}" in
  fetch) fetch ;;
  run) run ;;
  *) echo "usage: $0 fetch|run" >&2; exit 2 ;;
esac
