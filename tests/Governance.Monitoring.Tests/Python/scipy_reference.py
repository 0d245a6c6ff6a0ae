"""Reference values for the monitoring statistics, from Debian's numpy and scipy (python3-scipy).

Usage: scipy_reference.py PAIRS.json OUT.json
PAIRS.json: {"pairs": [{"reference": [...], "sample": [...], "bins": 10, "empty": 1e-4}, ...], "kstwo": [[n, x], ...]};
for each pair OUT.json holds the
quantile bins' interior edges and counts, PSI, JS distance (base 2), chi-square and its p-value, the normalised
Wasserstein distance and KS two-sample D and p-value (method='asymp'), computed the way docs/monitoring.md states; and scipy.stats.kstwo.sf(x, n) at each [n, x].
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance


def compare(pair):
    ref = np.asarray(pair["reference"], dtype=float)
    cur = np.asarray(pair["sample"], dtype=float)
    bins, empty = pair["bins"], pair["empty"]
    # Interior edges: the reference's quantiles at k/bins (numpy's default linear method), repeated ones kept once.
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins))
    # Right-closed bins: x goes to the first edge at or above it.
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    cur_counts = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    r = np.where(ref_counts == 0, empty, ref_counts / ref_counts.sum())
    c = np.where(cur_counts == 0, empty, cur_counts / cur_counts.sum())
    psi = float(np.sum((c - r) * np.log(c / r)))
    js = float(distance.jensenshannon(r, c, base=2))
    expected = cur_counts.sum() * r / r.sum()
    chi = stats.chisquare(cur_counts, expected) if len(r) > 1 else (0.0, 1.0)
    wd = float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001))
    ks = stats.ks_2samp(ref, cur, method="asymp")
    return {
        "edges": edges.tolist(),
        "referenceCounts": ref_counts.tolist(),
        "sampleCounts": cur_counts.tolist(),
        "psi": psi,
        "jensenShannon": js,
        "chiSquare": float(chi[0]),
        "chiSquareP": float(chi[1]),
        "normalizedWasserstein": wd,
        "ks": float(ks.statistic),
        "ksP": float(ks.pvalue),
    }


with open(sys.argv[1]) as f:
    given = json.load(f)
with open(sys.argv[2], "w") as f:
    json.dump(
        {
            "scipy": scipy.__version__,
            "results": [compare(p) for p in given["pairs"]],
            "kstwo": [float(stats.kstwo.sf(x, int(n))) for n, x in given["kstwo"]],
        },
        f,
    )
