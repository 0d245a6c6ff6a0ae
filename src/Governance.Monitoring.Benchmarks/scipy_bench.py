"""The monitoring benchmark's baseline: PSI (10 quantile bins of the reference, empty share 1e-4), normalised Wasserstein
(scipy.stats.wasserstein_distance / np.std of the reference, floored at 0.001) and JS distance (scipy's jensenshannon,
base 2) for each feature of the data Program.cs wrote, one feature after the other in one thread.

Usage: scipy_bench.py OUT_DIR REPEATS   (reads reference.bin, sample.bin, shape.json; writes scipy.json)
"""
import json
import sys
import time

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

folder, repeats = sys.argv[1], int(sys.argv[2])
shape = json.load(open(f"{folder}/shape.json"))
features = shape["features"]
reference = np.fromfile(f"{folder}/reference.bin", dtype="<f8").reshape(features, shape["referenceRows"])
sample = np.fromfile(f"{folder}/sample.bin", dtype="<f8").reshape(features, shape["sampleRows"])


def one(ref, cur):
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
    rc = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1)
    cc = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1)
    r = np.where(rc == 0, 1e-4, rc / rc.sum())
    c = np.where(cc == 0, 1e-4, cc / cc.sum())
    psi = float(np.sum((c - r) * np.log(c / r)))
    wd = float(stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001))
    js = float(distance.jensenshannon(r, c, base=2))
    return psi, wd, js


best, values = float("inf"), None
for _ in range(repeats):
    start = time.perf_counter()
    values = [one(reference[j], sample[j]) for j in range(features)]
    best = min(best, time.perf_counter() - start)
json.dump(
    {"numpy": np.__version__, "scipy": scipy.__version__, "seconds": best, "values": values},
    open(f"{folder}/scipy.json", "w"),
)
print(f"numpy {np.__version__}, scipy {scipy.__version__}: {features} features in {best:.3f} s (best of {repeats}, 1 thread)")
