"""Trains a binary:logistic XGBoost model on every numeric column of a CSV except the label, with a fixed seed, and saves it
as JSON (the format Governance.Explainability reads).

Usage: /usr/bin/python3 xgboost_train.py CSV LABEL POSITIVE OUT_JSON [TREES DEPTH]
Needs Debian's python3-xgboost (1.7).
"""
import csv
import sys

import numpy as np
import xgboost as xgb


def main():
    source, label, positive, out = sys.argv[1:5]
    trees = int(sys.argv[5]) if len(sys.argv) > 5 else 50
    depth = int(sys.argv[6]) if len(sys.argv) > 6 else 3
    with open(source, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        data = list(reader)
    li = header.index(label)
    names = [h for i, h in enumerate(header) if i != li]
    x = np.array([[float(v) if v != "" else np.nan for i, v in enumerate(r) if i != li] for r in data], dtype=np.float32)
    y = np.array([1.0 if r[li] == positive else 0.0 for r in data], dtype=np.float32)
    params = {"objective": "binary:logistic", "max_depth": depth, "eta": 0.2, "seed": 7, "nthread": 1}
    booster = xgb.train(params, xgb.DMatrix(x, label=y, feature_names=names), num_boost_round=trees)
    booster.save_model(out)


if __name__ == "__main__":
    main()
