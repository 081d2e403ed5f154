#!/usr/bin/python3
"""dtrain against scikit-learn's MLP on small real tables, on the same split.

For each set (iris, wine, breast_cancer, digits: classification; diabetes, boston: regression) this writes a clean
CSV with a header, split into train and test files by a fixed seed; trains scikit-learn's MLPClassifier/MLPRegressor
(StandardScaler on the features; for regression on the target too, as dtrain standardises targets) and dtrain with
examples/tabular-mlp.json or examples/tabular-regression.json ("auto" input shape and output units); and prints a
table: accuracy (points apart) or RMSE (dtrain / scikit-learn). Goal: within 3 points, within 15%.

Run with Debian's python3 (it has python3-sklearn):  /usr/bin/python3 bench/data/sklearn-compare.py
Options: --dtrain PATH (default src/Cli/bin/Release/net10.0/dtrain.dll, built with `dotnet build src/Cli -c Release`),
         --seed N (split and both trainers; default 0), --sets a,b (default all), --keep DIR (keep the CSVs there).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, mean_squared_error
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SKLEARN_DATA = os.path.join(os.path.dirname(datasets.__file__), "data")
HIDDEN = 64  # both sides: one hidden layer of 64 relu units, adam


def boston():
    # load_boston is gone from scikit-learn 1.2, but its CSV still ships: a preamble line, then a header.
    with open(os.path.join(SKLEARN_DATA, "boston_house_prices.csv")) as f:
        rows = list(csv.reader(f))[1:]
    names, values = rows[0], np.array(rows[1:], dtype=float)
    return names[:-1], values[:, :-1], values[:, -1], None


def bunch(loader, text_classes):
    d = loader()
    names = [n.replace(" (cm)", "").replace(" ", "_") for n in d.feature_names]
    classes = list(d.target_names) if text_classes else None
    return names, d.data, d.target, classes


SETS = {
    "iris": ("classification", lambda: bunch(datasets.load_iris, True)),
    "wine": ("classification", lambda: bunch(datasets.load_wine, True)),
    "breast_cancer": ("classification", lambda: bunch(datasets.load_breast_cancer, True)),
    "digits": ("classification", lambda: bunch(datasets.load_digits, False)),
    "diabetes": ("regression", lambda: bunch(lambda: datasets.load_diabetes(scaled=False), False)),
    "boston": ("regression", boston),
}


def write_csv(path, names, x, y, classes):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(names) + ["target"])
        for xi, yi in zip(x, y):
            label = classes[int(yi)] if classes is not None else (int(yi) if float(yi).is_integer() else repr(float(yi)))
            w.writerow([repr(float(v)) for v in xi] + [label])


def sklearn_score(task, xtr, ytr, xte, yte, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if task == "classification":
            model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(HIDDEN,), max_iter=1000, random_state=seed))
            model.fit(xtr, ytr)
            return accuracy_score(yte, model.predict(xte))
        model = TransformedTargetRegressor(
            regressor=make_pipeline(StandardScaler(), MLPRegressor(hidden_layer_sizes=(HIDDEN,), max_iter=2000, random_state=seed)),
            transformer=StandardScaler())
        model.fit(xtr, ytr)
        return mean_squared_error(yte, model.predict(xte)) ** 0.5


def dtrain_score(task, dll, folder, seed):
    model = os.path.join(ROOT, "examples", "tabular-mlp.json" if task == "classification" else "tabular-regression.json")
    summary = os.path.join(folder, "summary.json")
    cmd = ["dotnet", dll, "train", model, "--train", os.path.join(folder, "train.csv"), "--test", os.path.join(folder, "test.csv"),
           "--label", "target", "--seed", str(seed), "--no-checkpoint", "--summary", summary]
    env = dict(os.environ, DTRAIN_CACHE=os.path.join(folder, "cache"))
    run = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"dtrain failed ({run.returncode}): {' '.join(cmd)}\n{run.stderr.strip() or run.stdout[-2000:]}")
    with open(summary) as f:
        s = json.load(f)
    key = "test_accuracy" if task == "classification" else "test_rmse"
    return s.get(key)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dtrain", default=os.path.join(ROOT, "src/Cli/bin/Release/net10.0/dtrain.dll"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--sets", default=",".join(SETS))
    p.add_argument("--keep", default=None)
    a = p.parse_args()
    if not os.path.exists(a.dtrain):
        sys.exit(f"{a.dtrain} not found: run `dotnet build src/Cli -c Release` first, or give --dtrain")

    rows = []
    with tempfile.TemporaryDirectory(prefix="dtrain-sklearn-") as tmp:
        for name in a.sets.split(","):
            task, load = SETS[name]
            names, x, y, classes = load()
            xtr, xte, ytr, yte = train_test_split(x, y, test_size=0.25, random_state=a.seed,
                                                  stratify=y if task == "classification" else None)
            folder = os.path.join(a.keep or tmp, name)
            os.makedirs(folder, exist_ok=True)
            write_csv(os.path.join(folder, "train.csv"), names, xtr, ytr, classes)
            write_csv(os.path.join(folder, "test.csv"), names, xte, yte, classes)
            t0 = time.time()
            ours = sklearn_score(task, xtr, ytr, xte, yte, a.seed)
            t1 = time.time()
            theirs = dtrain_score(task, a.dtrain, folder, a.seed)
            t2 = time.time()
            rows.append((name, task, len(ytr), len(yte), x.shape[1], ours, theirs, t1 - t0, t2 - t1))
            print(f"{name}: done", file=sys.stderr)

    header = ["set", "task", "train", "test", "features", "sklearn", "dtrain", "dtrain vs sklearn", "goal", "sklearn_s", "dtrain_s"]
    table = []
    for name, task, ntr, nte, nf, sk, dt, tsk, tdt in rows:
        if task == "classification":
            figures = (f"acc {100 * sk:.2f}%", "n/a" if dt is None else f"acc {100 * dt:.2f}%")
            gap = "n/a" if dt is None else f"{100 * (dt - sk):+.2f} points"
            ok = "n/a" if dt is None else ("met" if dt >= sk - 0.03 else "missed")
        else:
            figures = (f"rmse {sk:.3f}", "n/a" if dt is None else f"rmse {dt:.3f}")
            gap = "n/a" if dt is None else f"x{dt / sk:.3f}"
            ok = "n/a" if dt is None else ("met" if dt <= 1.15 * sk else "missed")
        table.append([name, task, str(ntr), str(nte), str(nf), *figures, gap, ok, f"{tsk:.1f}", f"{tdt:.1f}"])
    widths = [max(len(r[i]) for r in [header] + table) for i in range(len(header))]
    for r in [header, ["-" * w for w in widths]] + table:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


if __name__ == "__main__":
    main()
