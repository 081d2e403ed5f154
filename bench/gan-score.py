#!/usr/bin/python3
"""The classifier score of generated MNIST digits: exp(E_x[KL(p(y|x) || p(y))]), from an independent classifier.

An MNIST classifier that dtrain did not train (scikit-learn's MLPClassifier, 784-256-10, on MNIST's 60,000 training
digits, the IDX files dtrain trains on) scores each sample: p(y|x) its class probabilities, p(y) their mean over the
samples. The score is 10 when every sample is classified with certainty and the classes are equally common, 1 when the
samples say nothing about a class (the Inception score of Salimans et al. 2016, with an MNIST classifier in place of
Inception). The table compares each file with MNIST's real test digits (about 9.5 with this classifier) and gives the
class histogram, so a generator that draws only some digits shows it.

Run with Debian's python3 (it has numpy and scikit-learn):
    /usr/bin/python3 bench/gan-score.py samples.idx [more.idx ...] [--mnist DIR] [--json FILE]
samples.idx: a uint8 IDX image file of N x 28 x 28 (dtrain generate MODEL.dtmodel --count 10000 --output samples.idx).
MNIST is read from --mnist DIR, else the folder dtrain uses ($DTRAIN_CACHE/mnist, else $XDG_CACHE_HOME/dtrain/mnist,
else ~/.cache/dtrain/mnist; `dotnet run --project src/Cli -c Release -- data` fetches it there). The trained classifier
is cached beside it (gan-score/ in the same cache root), so scoring again takes seconds.
"""
import argparse
import gzip
import hashlib
import json
import os
import pickle
import struct
import sys
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

CLASSIFIER = dict(hidden_layer_sizes=(256,), alpha=1e-4, batch_size=128, learning_rate_init=1e-3, max_iter=20, random_state=0)
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


def cache_root():
    """dtrain's cache root (Mnist.CacheFolder without the mnist/ part)."""
    root = os.environ.get("DTRAIN_CACHE")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = os.path.join(xdg, "dtrain") if xdg else os.path.join(os.path.expanduser("~"), ".cache", "dtrain")
    return root


def read_idx(path):
    """An IDX file (optionally .gz) as a numpy array; uint8 data only (images 0x803, labels 0x801)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4:
        sys.exit(f"gan-score: {path}: not an IDX file ({len(data)} bytes)")
    zero, kind, dims = struct.unpack(">HBB", data[:4])
    if zero != 0 or kind != 0x08 or dims not in (1, 3):
        sys.exit(f"gan-score: {path}: not a uint8 IDX file of labels or images (magic {data[:4].hex()}; expected 00000801 or 00000803)")
    shape = struct.unpack(">" + "i" * dims, data[4:4 + 4 * dims])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims)
    if body.size != int(np.prod(shape)):
        sys.exit(f"gan-score: {path}: the header says {'x'.join(map(str, shape))} = {int(np.prod(shape))} bytes, the file holds {body.size}")
    return body.reshape(shape)


def find(folder, name):
    for candidate in (name, name + ".gz", name.replace("-idx", ".idx")):
        path = os.path.join(folder, candidate)
        if os.path.exists(path):
            return path
    sys.exit(f"gan-score: {folder} has no {name}; give --mnist DIR or fetch MNIST with `dotnet run --project src/Cli -c Release -- data`")


def as_inputs(images):
    if images.shape[1:] != (28, 28):
        sys.exit(f"gan-score: images of {images.shape[1]}x{images.shape[2]}; the classifier takes MNIST's 28x28")
    return images.reshape(len(images), 784).astype(np.float32) / 255.0


def classifier(mnist, cache):
    """The trained MLP, from the cache when the training files and the settings match, else trained and cached."""
    images, labels = find(mnist, FILES[0]), find(mnist, FILES[1])
    # Keyed by the settings and the training files' contents (not their times: a copied MNIST folder is the same data).
    key = hashlib.sha256(json.dumps(CLASSIFIER, sort_keys=True).encode())
    for p in (images, labels):
        with open(p, "rb") as f:
            key.update(f.read())
    path = os.path.join(cache, "mnist-mlp-" + key.hexdigest()[:16] + ".pkl")
    if os.path.exists(path):
        with open(path, "rb") as f:
            return pickle.load(f), f"cached {path}"
    start = time.time()
    x, y = as_inputs(read_idx(images)), read_idx(labels)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed 20 epochs; converged enough for 98 %
        model = MLPClassifier(**CLASSIFIER).fit(x, y)
    os.makedirs(cache, exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        pickle.dump(model, f)
    os.replace(path + ".tmp", path)
    return model, f"trained in {time.time() - start:.0f} s, cached in {path}"


def score(p):
    """exp(E_x[KL(p(y|x) || p(y))]) of class probabilities p (N x 10), with p(y) their mean."""
    eps = 1e-12
    marginal = p.mean(axis=0)
    kl = (p * (np.log(p + eps) - np.log(marginal + eps))).sum(axis=1)
    return float(np.exp(kl.mean()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("samples", nargs="*", help="uint8 IDX image files of generated 28x28 digits")
    parser.add_argument("--mnist", help="folder with MNIST's IDX files (default: dtrain's cache)")
    parser.add_argument("--json", help="also write the figures as JSON to this file")
    args = parser.parse_args()

    mnist = args.mnist or os.path.join(cache_root(), "mnist")
    model, how = classifier(mnist, os.path.join(cache_root(), "gan-score"))
    print(f"classifier: scikit-learn MLPClassifier 784-256-10 on MNIST's 60,000 training digits ({how})")
    test_x, test_y = as_inputs(read_idx(find(mnist, FILES[2]))), read_idx(find(mnist, FILES[3]))

    rows = []
    for name, x in [("MNIST test digits (real)", test_x)] + [(path, as_inputs(read_idx(path))) for path in args.samples]:
        p = model.predict_proba(x)
        counts = np.bincount(p.argmax(axis=1), minlength=10)
        rows.append(dict(name=name, count=len(x), score=score(p), classes_present=int((counts > 0).sum()),
                         histogram=[int(c) for c in counts], confidence=float(p.max(axis=1).mean())))
    accuracy = float((model.predict(test_x) == test_y).mean())
    print(f"classifier accuracy on the real test digits: {accuracy:.2%}\n")

    width = max(len(r["name"]) for r in rows)
    print(f"{'samples':<{width}}  {'count':>6}  {'score':>6}  {'classes':>7}  {'mean p(max)':>11}  " + " ".join(f"{d:>5}" for d in range(10)))
    for r in rows:
        shares = " ".join(f"{c / r['count']:>5.1%}" if c else "    -" for c in r["histogram"])
        print(f"{r['name']:<{width}}  {r['count']:>6,}  {r['score']:>6.2f}  {r['classes_present']:>5}/10  {r['confidence']:>11.3f}  {shares}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(classifier_accuracy=accuracy, rows=rows), f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
