"""scikit-learn's values of the validation metrics, for the BinaryMetrics tests.

Usage: /usr/bin/python3 sklearn_metrics.py SCORES_CSV OUT_JSON
SCORES_CSV has a header "p,y" (probability, label 0/1). Needs Debian's python3-sklearn (1.2).
"""
import json
import sys

import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score, roc_curve


def main():
    data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
    p, y = data[:, 0], data[:, 1].astype(int)
    fpr, tpr, _ = roc_curve(y, p)
    logit = np.log(np.clip(p, 1e-15, 1 - 1e-15) / (1 - np.clip(p, 1e-15, 1 - 1e-15))).reshape(-1, 1)
    fit = LogisticRegression(penalty="none", tol=1e-12, max_iter=100000).fit(logit, y)
    prob_true, prob_pred = calibration_curve(y, p, n_bins=10, strategy="uniform")
    out = {
        "roc_auc": roc_auc_score(y, p),
        "average_precision": average_precision_score(y, p),
        "brier": brier_score_loss(y, p),
        "log_loss": log_loss(y, p),
        "ks": float(np.max(tpr - fpr)),
        "calibration_slope": float(fit.coef_[0][0]),
        "calibration_intercept": float(fit.intercept_[0]),
        "reliability_observed": prob_true.tolist(),
        "reliability_predicted": prob_pred.tolist(),
    }
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
