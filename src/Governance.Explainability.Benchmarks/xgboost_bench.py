"""The XGBoost side of the TreeSHAP benchmark: trains a 500-tree depth-6 binary:logistic model on 10,000 synthetic rows
(fixed seed), saves it and the rows, and times XGBoost's own pred_contribs (best of REPEATS) with nthread=1 and nthread=N.

Usage: /usr/bin/python3 xgboost_bench.py OUT_DIR [THREADS [REPEATS]]   (Debian's python3-xgboost 1.7; REPEATS default 3)
Writes OUT_DIR/model.json, rows.csv, contribs.csv and timings.json.
"""
import csv
import json
import os
import sys
import time

import numpy as np
import xgboost as xgb

SEED = 20261129


def main():
    out = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else os.cpu_count()
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    os.makedirs(out, exist_ok=True)
    rng = np.random.RandomState(SEED)
    n, m = 10000, 20
    x = rng.normal(size=(n, m)).astype(np.float32)
    z = x[:, 0] * 1.5 - x[:, 1] + 0.5 * x[:, 2] * x[:, 3] + np.sin(x[:, 4]) + 0.3 * rng.normal(size=n)
    y = (rng.rand(n) < 1 / (1 + np.exp(-z))).astype(np.float32)
    x[rng.rand(n, m) < 0.05] = np.nan
    names = [f"x{i}" for i in range(m)]
    params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.05, "seed": SEED, "nthread": threads}
    booster = xgb.train(params, xgb.DMatrix(x, label=y, feature_names=names), num_boost_round=500)
    booster.save_model(os.path.join(out, "model.json"))
    with open(os.path.join(out, "rows.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for r in x:
            w.writerow(["" if np.isnan(v) else repr(float(v)) for v in r])
    matrix = xgb.DMatrix(x, feature_names=names)
    timings = {}
    for t in sorted({1, threads}):
        booster.set_param({"nthread": t})
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            contribs = booster.predict(matrix, pred_contribs=True)
            best = min(best, time.perf_counter() - start)
        timings[str(t)] = best
    np.savetxt(os.path.join(out, "contribs.csv"), contribs.astype(np.float64), delimiter=",", fmt="%.9g")
    with open(os.path.join(out, "timings.json"), "w") as f:
        json.dump({"xgboost": xgb.__version__, "seconds": timings}, f)


if __name__ == "__main__":
    main()
