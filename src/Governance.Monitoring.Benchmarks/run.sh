#!/usr/bin/env bash
# Monitoring benchmark (docs/performance.md): we write the data, scipy/numpy (Debian's /usr/bin/python3) times PSI, normalised
# Wasserstein and JS on it single-threaded, then ours on the same data, one thread and all threads, and compares the values.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Usage: run.sh [OUT_DIR [REPEATS]]   (REPEATS: best of how many timed runs per side, default 3)
out=${1:-$(mktemp -d)}
repeats=${2:-3}
dotnet build -c Release -v q "$here" >/dev/null
dll="$here/bin/Release/net10.0/Governance.Monitoring.Benchmarks.dll"
dotnet "$dll" generate "$out"
# numpy's sort, searchsorted and sums are single-threaded; the BLAS threads are pinned to 1 all the same.
OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 /usr/bin/python3 "$here/scipy_bench.py" "$out" "$repeats"
dotnet "$dll" compare "$out" "$repeats"
