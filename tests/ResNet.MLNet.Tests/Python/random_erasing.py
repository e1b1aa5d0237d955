"""Statistics of torchvision's RandomErasing on images of ones, as JSON, for the augmentation test.
usage: random_erasing.py H W N P SEED
Prints the share of images erased, the mean erased area (fraction of the image) among erased images, the mean
log aspect ratio (log(height / width)) of the rectangles, and the share of erased areas above 20 %."""
import json
import math
import sys

import torch
from torchvision.transforms import RandomErasing

h, w, n, p, seed = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
torch.manual_seed(seed)
erase = RandomErasing(p=p, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)
areas, logratios = [], []
for _ in range(n):
    out = erase(torch.ones(1, h, w))[0]
    zeros = (out == 0)
    if zeros.any():
        rows = zeros.any(1).nonzero()
        cols = zeros.any(0).nonzero()
        eh, ew = int(rows.max() - rows.min() + 1), int(cols.max() - cols.min() + 1)
        areas.append(float(zeros.sum()) / (h * w))
        logratios.append(math.log(eh / ew))
print(json.dumps({
    "erased": len(areas) / n,
    "meanArea": sum(areas) / len(areas),
    "meanLogRatio": sum(logratios) / len(logratios),
    "largeShare": sum(a > 0.2 for a in areas) / len(areas),
}))
