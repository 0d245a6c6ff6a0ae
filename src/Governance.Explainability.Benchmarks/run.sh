#!/usr/bin/env bash
# TreeSHAP benchmark (docs/performance.md): XGBoost trains the model and times pred_contribs, then ours on the same rows.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Usage: run.sh [OUT_DIR [REPEATS]]   (REPEATS: best of how many timed runs per side, default 3)
out=${1:-$(mktemp -d)}
repeats=${2:-3}
/usr/bin/python3 "$here/xgboost_bench.py" "$out" "$(nproc)" "$repeats"
dotnet run -c Release --project "$here" -- "$out" "$repeats"
