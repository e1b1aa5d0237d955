"""Writes Fashion-MNIST as image folders (one sub-folder per class, PNG files), the layout `resnet-mlnet train`
and `resnet-mlnet evaluate` read:  OUT/train/<class>/<index>.png and OUT/test/<class>/<index>.png.
usage: python3 fashion_mnist_folders.py OUT [IDX_DIR]   (IDX_DIR: /usr/share/datasets/fashion-mnist)"""
import gzip
import os
import sys

import numpy as np
from PIL import Image

CLASSES = ["T-shirt_top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle_boot"]


def read_idx(path, offset):
    with gzip.open(path, "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def write(split, prefix, idx_dir, out):
    images = read_idx(os.path.join(idx_dir, f"{prefix}-images-idx3-ubyte.gz"), 16).reshape(-1, 28, 28)
    labels = read_idx(os.path.join(idx_dir, f"{prefix}-labels-idx1-ubyte.gz"), 8)
    for name in CLASSES:
        os.makedirs(os.path.join(out, split, name), exist_ok=True)
    for i, (image, label) in enumerate(zip(images, labels)):
        Image.fromarray(image, mode="L").save(os.path.join(out, split, CLASSES[label], f"{i:05d}.png"))
    print(f"{split}: {len(labels)} images")


out = sys.argv[1]
idx_dir = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
write("train", "train", idx_dir, out)
write("test", "t10k", idx_dir, out)
