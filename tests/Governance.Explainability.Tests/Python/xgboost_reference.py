"""XGBoost reference for the TreeSHAP tests: trains a small binary:logistic model on the German credit data with a fixed
seed, saves it as JSON, and writes XGBoost's own pred_contribs and margins for 200 rows, of which a fixed 20% have some
features missing (NaN) and one sits exactly at a split threshold of the first tree.

Usage: /usr/bin/python3 xgboost_reference.py GERMAN_CREDIT_CSV OUT_DIR [TREES DEPTH ROWS]
Writes OUT_DIR/model.json, rows.csv (header = feature names, empty cell = missing), contribs.csv (features + bias),
margins.csv, and threshold_row.txt (row index, feature index, threshold). Needs Debian's python3-xgboost (1.7).
"""
import csv
import os
import sys

import numpy as np
import xgboost as xgb

SEED = 20261129


def main():
    source, out = sys.argv[1], sys.argv[2]
    trees = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    depth = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    n_rows = int(sys.argv[5]) if len(sys.argv) > 5 else 200
    os.makedirs(out, exist_ok=True)
    with open(source, newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        data = list(reader)
    label_index = header.index("Class")
    names = [h for i, h in enumerate(header) if i != label_index]
    x = np.array([[float(v) for i, v in enumerate(r) if i != label_index] for r in data], dtype=np.float32)
    y = np.array([1.0 if r[label_index] == "Bad" else 0.0 for r in data], dtype=np.float32)

    rng = np.random.RandomState(SEED)
    # Some missing values in training too, so that splits learn a default direction other than the implicit one.
    train = x.copy()
    train[rng.rand(*train.shape) < 0.05] = np.nan
    params = {
        "objective": "binary:logistic",
        "max_depth": depth,
        "eta": 0.3,
        "seed": SEED,
        "nthread": 1,
        "base_score": 0.3,
        "tree_method": "exact",
    }
    booster = xgb.train(params, xgb.DMatrix(train, label=y, feature_names=names), num_boost_round=trees)
    booster.save_model(os.path.join(out, "model.json"))

    rows = np.tile(x, (n_rows // len(x) + 1, 1))[:n_rows].copy()
    # A fixed 20% of the rows get one to three features missing.
    for r in rng.choice(n_rows, size=n_rows // 5, replace=False):
        rows[r, rng.choice(len(names), size=rng.randint(1, 4), replace=False)] = np.nan
    # One complete row sits exactly at the first tree's root threshold (XGBoost sends it right: x < t is false).
    dump = booster.get_dump(dump_format="json")[0]
    import json

    root = json.loads(dump)
    feature = names.index(root["split"])
    threshold = np.float32(root["split_condition"])
    complete = [r for r in range(n_rows) if not np.isnan(rows[r]).any()]
    at = complete[0]
    rows[at, feature] = threshold

    matrix = xgb.DMatrix(rows, feature_names=names)
    contribs = booster.predict(matrix, pred_contribs=True)
    margins = booster.predict(matrix, output_margin=True)
    with open(os.path.join(out, "rows.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(names)
        for r in rows:
            w.writerow(["" if np.isnan(v) else repr(float(v)) for v in r])
    np.savetxt(os.path.join(out, "contribs.csv"), contribs.astype(np.float64), delimiter=",", fmt="%.9g")
    np.savetxt(os.path.join(out, "margins.csv"), margins.astype(np.float64), fmt="%.9g")
    with open(os.path.join(out, "threshold_row.txt"), "w") as f:
        f.write(f"{at},{feature},{float(threshold)!r}\n")


if __name__ == "__main__":
    main()
