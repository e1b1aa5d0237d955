"""Writes photo-sized JPEGs (500x375 RGB, quality 90) made from Fashion-MNIST images plus noise, for
`resnet-mlnet bench-decode` and `bench-score` (run by `make bench-pipeline`).

usage: bench_images.py OUT_DIR COUNT   (images go to OUT_DIR/<class name>/NNNN.jpg)"""
import gzip
import os
import sys

import numpy as np
from PIL import Image

ROOT = "/usr/share/datasets/fashion-mnist"
NAMES = ["T-shirt-top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def read_idx(stem):
    path = os.path.join(ROOT, stem)
    data = gzip.open(path + ".gz").read() if os.path.exists(path + ".gz") else open(path, "rb").read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


out, count = sys.argv[1], int(sys.argv[2])
images, labels = read_idx("t10k-images-idx3-ubyte"), read_idx("t10k-labels-idx1-ubyte")
rng = np.random.default_rng(0)
for i in range(count):
    folder = os.path.join(out, NAMES[labels[i]])
    os.makedirs(folder, exist_ok=True)
    rgb = np.asarray(Image.fromarray(images[i]).resize((500, 375), Image.BILINEAR).convert("RGB")).astype(np.int16)
    rgb = rgb + rng.integers(-20, 20, rgb.shape) + np.array([i % 40, 0, 20])
    Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(os.path.join(folder, f"{i:04d}.jpg"), quality=90)
