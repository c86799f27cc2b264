#!/usr/bin/env bash
# The GPU checks in one go, for a machine with an NVIDIA GPU and CuPy (run from the repository root):
#   1. the whole test suite, every `xp`/`backend` test once on NumPy and once on CuPy;
#   2. the training-step benchmark: minigan on NumPy and CuPy, PyTorch on the CPU and on CUDA;
#   3. the layer benchmark on the GPU, minigan (CuPy) against PyTorch (cuDNN) at batch 256.
#
#   bash tools/gpu_checks.sh OUT_DIR [PYTEST_WORKERS]
#
# Each step has its own time limit so that one slow step cannot take the others' time; the logs and
# results land in OUT_DIR. Copy OUT_DIR/bench and OUT_DIR/layers into benchmarks/results/gpu/.
set -uo pipefail
out=${1:?usage: gpu_checks.sh OUT_DIR [PYTEST_WORKERS]}
workers=${2:-8}
mkdir -p "$out"
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg

{
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  python3 -c "import sys, numpy, cupy, torch; print('python', sys.version.split()[0], '| numpy', numpy.__version__,
    '| cupy', cupy.__version__, '| torch', torch.__version__, '| cuda available', torch.cuda.is_available())"
} 2>&1 | tee "$out/suite.log"

echo "== 1. the suite on NumPy and CuPy ==" | tee -a "$out/suite.log"
# -n: pytest-xdist workers (each opens its own CUDA context); -rfEs lists failures, errors, skips.
timeout "${SUITE_LIMIT_S:-240}" python3 -m pytest -q -n "$workers" -rfEs -p no:cacheprovider 2>&1 \
  | tee -a "$out/suite.log" | tail -n 60

echo "== 1b. the command line on CuPy: train, sample, evaluate ==" | tee -a "$out/suite.log"
run_dir=$(mktemp -d)
for preset in dcgan-mnist grid25; do
  timeout 90 bash -c "python3 -m minigan.cli train --preset $preset --backend cupy --steps 60 \
      --data-dir ../shared/data/mnist --out $run_dir/$preset \
    && python3 -m minigan.cli sample --checkpoint $run_dir/$preset/checkpoint.npz -n 16 --out $run_dir/$preset.png \
    && python3 -m minigan.cli evaluate --checkpoint $run_dir/$preset/checkpoint.npz --backend cupy" 2>&1 \
    | tr '\r' '\n' | grep -v "step/s" | tail -n 12 | tee -a "$out/suite.log"
done

echo "== 1c. the suite again with MINIGAN_BACKEND=cupy (tests that build on the default backend) ==" \
  | tee "$out/suite_default_cupy.log"
MINIGAN_BACKEND=cupy timeout "${DEFAULT_LIMIT_S:-150}" python3 -m pytest -q -n "$workers" -rfE -p no:cacheprovider \
  --ignore=tests/test_chapters.py 2>&1 | tee -a "$out/suite_default_cupy.log" | tail -n 30

echo "== 2. the training step ==" | tee "$out/bench.log"
# GPU steps take milliseconds, so few repeats suffice; a short settle keeps the CPU engines honest.
timeout "${BENCH_LIMIT_S:-200}" python3 benchmarks/bench_train_step.py --batch-sizes 16,64,256,1024 \
  --repeats 15 --settle-s 0.05 --no-memory --out "$out/bench" 2>&1 | tee -a "$out/bench.log"

echo "== 3. the layers on the GPU, batch 256 ==" | tee -a "$out/bench.log"
timeout "${LAYERS_LIMIT_S:-60}" python3 benchmarks/bench_layers.py --backend cupy --batch 256 \
  --out "$out/layers" 2>&1 | tee -a "$out/bench.log"
