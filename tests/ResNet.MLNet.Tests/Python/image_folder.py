"""Writes a folder-per-class image set from Fashion-MNIST (Debian dataset-fashion-mnist) as PNG and JPEG files of
mixed sizes, gray and RGB, for the pipeline's end-to-end tests.

usage: image_folder.py OUT_DIR SPLIT(train|t10k) PER_CLASS CLASS_INDEX...
Class folders are named after Fashion-MNIST's class names (with '/' replaced by '-')."""
import gzip
import os
import sys

import numpy as np
from PIL import Image

NAMES = ["T-shirt-top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
ROOT = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def find(prefix):
    for name in (prefix, prefix + ".gz"):
        if os.path.exists(os.path.join(ROOT, name)):
            return os.path.join(ROOT, name)
    raise SystemExit("missing " + prefix)


def main():
    out, split, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3])
    classes = [int(c) for c in sys.argv[4:]]
    images = read_idx(find(f"{split}-images-idx3-ubyte"))
    labels = read_idx(find(f"{split}-labels-idx1-ubyte"))
    sizes = [28, 36, 22, 48]
    for c in classes:
        folder = os.path.join(out, NAMES[c])
        os.makedirs(folder, exist_ok=True)
        for n, i in enumerate(np.nonzero(labels == c)[0][:per_class]):
            img = Image.fromarray(images[i], mode="L")
            side = sizes[n % len(sizes)]
            if side != 28:
                img = img.resize((side, side + (n % 3)), Image.BILINEAR)
            if n % 2 == 1:
                img = img.convert("RGB")
            if n % 4 < 2:
                img.save(os.path.join(folder, f"{n:04d}.png"))
            else:
                img.save(os.path.join(folder, f"{n:04d}.jpg"), quality=95)


if __name__ == "__main__":
    main()
