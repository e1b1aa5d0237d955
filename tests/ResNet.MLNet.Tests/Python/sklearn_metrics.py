"""Multiclass metrics by scikit-learn for the pipeline's Evaluate test.

usage: sklearn_metrics.py INPUT.json  (keys: labels [n], scores [n][k], k) -> JSON on stdout."""
import json
import sys

import numpy as np
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, log_loss, top_k_accuracy_score

with open(sys.argv[1]) as f:
    d = json.load(f)
y = np.array(d["labels"], dtype=np.int64)
p = np.array(d["scores"], dtype=np.float64)
k = p.shape[1]
classes = list(range(k))
pred = p.argmax(axis=1)
print(json.dumps({
    "accuracy": accuracy_score(y, pred),
    "balanced_accuracy": balanced_accuracy_score(y, pred),
    "log_loss": log_loss(y, p, labels=classes),
    "confusion_matrix": confusion_matrix(y, pred, labels=classes).tolist(),
    "top_k": top_k_accuracy_score(y, p, k=d["k"], labels=classes),
}))
