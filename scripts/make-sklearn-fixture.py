#!/usr/bin/python3
"""Writes test/fixtures/sklearn-linearsvc.json: small deterministic data sets with what scikit-learn's
StandardScaler + LinearSVC(C) (auDeep's `svm`) gives on them, for test/evaluate/linear-svm.test.ts.

Run with Debian's python3 and python3-sklearn: /usr/bin/python3 scripts/make-sklearn-fixture.py
"""
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC


def gaussian_classes(rng, n, d, classes, separation, constant_columns):
    centres = rng.standard_normal((classes, d)) * separation
    labels = np.arange(n) % classes
    x = centres[labels] + rng.standard_normal((n, d))
    x[:, d - constant_columns:] = -1.0
    return x.astype(np.float32), labels


def fit(x, y, c):
    scaler = StandardScaler().fit(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = LinearSVC(C=c, random_state=0).fit(scaler.transform(x), y)
    return scaler, model


def problem(name, rng, n, d, classes, separation, constant_columns, complexities):
    x, y = gaussian_classes(rng, n, d, classes, separation, constant_columns)
    folds = np.arange(n) % 5
    fits = []
    for c in complexities:
        scaler, model = fit(x, y, c)
        cv_predictions = np.zeros(n, dtype=np.int64)
        for k in range(5):
            valid = folds == k
            s, m = fit(x[~valid], y[~valid], c)
            cv_predictions[valid] = m.predict(s.transform(x[valid]))
        fits.append({
            "C": c,
            "coef": model.coef_.tolist(),
            "intercept": model.intercept_.tolist(),
            "iterations": int(model.n_iter_),
            "trainPredictions": model.predict(scaler.transform(x)).tolist(),
            "cvPredictions": cv_predictions.tolist(),
            "cvAccuracy": float((cv_predictions == y).mean()),
        })
    return {
        "name": name,
        "n": n,
        "d": d,
        # Row-major float32 values, space-separated, each printed with the fewest digits that round-trip
        # to the same float32.
        "features": " ".join(str(v) for v in x.ravel()),
        "labels": y.tolist(),
        "folds": folds.tolist(),
        "fits": fits,
    }


def main():
    rng = np.random.RandomState(20240601)
    out = {
        "generator": "scripts/make-sklearn-fixture.py",
        "sklearn": sklearn.__version__,
        "note": "StandardScaler + LinearSVC(C) defaults (squared hinge, L2, dual CD, OvR, tol 1e-4, max_iter 1000); "
                "cv = 5 folds with fold i % 5",
        "problems": [
            # more instances than features: the solver keeps the weight vector
            problem("tall-4-classes", rng, 150, 30, 4, 0.35, 2, [0.01, 0.1]),
            # fewer instances than features: the solver works on the Gram matrix
            problem("wide-3-classes", rng, 60, 120, 3, 0.3, 3, [0.001, 0.1]),
            problem("binary", rng, 100, 12, 2, 0.4, 1, [0.01, 0.5]),
        ],
    }
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "test" / "fixtures" / "sklearn-linearsvc.json"
    path.write_text(json.dumps(out) + "\n")
    print(f"wrote {path}")
    for p in out["problems"]:
        print(p["name"], [(f["C"], f["cvAccuracy"], f["iterations"]) for f in p["fits"]])


if __name__ == "__main__":
    main()
