#!/usr/bin/env bash
# TreeSHAP benchmark (docs/performance.md): XGBoost trains the model and times pred_contribs, then ours on the same rows.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=${1:-$(mktemp -d)}
/usr/bin/python3 "$here/xgboost_bench.py" "$out" "$(nproc)"
dotnet run -c Release --project "$here" -- "$out"
