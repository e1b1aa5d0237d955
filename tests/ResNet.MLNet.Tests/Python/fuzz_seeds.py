"""Writes the valid image files the fuzzer mutates: baseline and progressive JPEGs (one with an EXIF orientation),
PNGs gray, RGB, palette with transparency and interlaced.

usage: fuzz_seeds.py OUT_DIR"""
import io
import os
import sys

import numpy as np
from PIL import Image

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
rgb = Image.fromarray(rng.integers(0, 255, (24, 40, 3), dtype=np.uint8), "RGB")
gray = rgb.convert("L")
exif = Image.Exif()
exif[0x0112] = 6
rgb.save(os.path.join(out, "baseline.jpg"), "JPEG", quality=80, exif=exif.tobytes())
gray.save(os.path.join(out, "progressive.jpg"), "JPEG", quality=70, progressive=True)
rgb.save(os.path.join(out, "rgb.png"), "PNG")
gray.save(os.path.join(out, "gray.png"), "PNG")
pal = rgb.convert("P", palette=Image.ADAPTIVE, colors=16)
pal.info["transparency"] = 3
pal.save(os.path.join(out, "palette.png"), "PNG", transparency=3)
rgb.save(os.path.join(out, "interlaced.png"), "PNG", interlace=1)
print("ok")
