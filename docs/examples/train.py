"""Trains the credit model of docs/pipelines.md and docs/python.md on the German credit data (Statlog), with Debian's
scikit-learn (python3-sklearn), and writes what the ledger is told about:

  OUT/train.csv, OUT/holdout.csv   the 80/20 split (stratified, --seed, default 20261130), registered as datasets
  OUT/schema.txt                   the columns as name:type, one per line (governance dataset register --column)
  OUT/model/                       the artifact, a model directory: model.pkl (the fitted pipeline) and features.json
  OUT/metrics.txt                  holdout metrics as name=value (governance version register --metric)
  OUT/report.md                    the development report handed to validation

Usage: python3 train.py --data german_credit.csv --out build [--seed N]
"""

import argparse
import csv
import json
import pickle
from pathlib import Path

from sklearn.ensemble import GradientBoostingClassifier
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--data", required=True, help="german_credit.csv (label column Class: Good or Bad)")
parser.add_argument("--out", required=True, help="output folder")
parser.add_argument("--seed", type=int, default=20261130, help="seed of the split and the model (0 to 2**32-1)")
args = parser.parse_args()
SEED = args.seed

with open(args.data, newline="") as f:
    rows = list(csv.reader(f))
header, records = rows[0], rows[1:]
label = header.index("Class")
features = [c for i, c in enumerate(header) if i != label]
X = [[float(v) for i, v in enumerate(r) if i != label] for r in records]
y = [1 if r[label] == "Bad" else 0 for r in records]  # 1 = the adverse class (default)

train_rows, holdout_rows, X_train, X_holdout, y_train, y_holdout = train_test_split(
    records, X, y, test_size=0.2, stratify=y, random_state=SEED
)
model = GradientBoostingClassifier(n_estimators=150, max_depth=3, learning_rate=0.05, random_state=SEED).fit(X_train, y_train)
scores = model.predict_proba(X_holdout)[:, 1]

out = Path(args.out)
(out / "model").mkdir(parents=True, exist_ok=True)
for name, part in (("train.csv", train_rows), ("holdout.csv", holdout_rows)):
    with open(out / name, "w", newline="") as f:
        csv.writer(f, quoting=csv.QUOTE_MINIMAL).writerows([header, *part])
(out / "schema.txt").write_text("".join(f"{c}:{'string' if c == 'Class' else 'number'}\n" for c in header))
with open(out / "model" / "model.pkl", "wb") as f:
    pickle.dump(model, f)
(out / "model" / "features.json").write_text(json.dumps({"features": features, "positive": "Bad"}, indent=2) + "\n")
auc, accuracy = roc_auc_score(y_holdout, scores), accuracy_score(y_holdout, (scores >= 0.5).astype(int))
(out / "metrics.txt").write_text(f"auc={auc:.4f}\naccuracy={accuracy:.4f}\n")
(out / "report.md").write_text(
    f"# Credit scoring: development report\n\nGradient boosting, 150 trees of depth 3, seed {SEED}; "
    f"{len(train_rows)} training rows, {len(holdout_rows)} holdout rows.\n\nHoldout AUC {auc:.4f}, accuracy {accuracy:.4f}.\n"
)
print(f"trained on {len(train_rows)} rows; holdout AUC {auc:.4f}, accuracy {accuracy:.4f}; artifact in {out / 'model'}")
