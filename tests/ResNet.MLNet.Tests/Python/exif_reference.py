"""Writes a JPEG carrying an EXIF orientation tag and the upright pixels PIL's ImageOps.exif_transpose gives.

usage: exif_reference.py SOURCE_IMAGE ORIENTATION OUT.jpg OUT_PIXELS.bin  (prints the upright width and height)"""
import sys

import numpy as np
from PIL import Image, ImageOps

source, orientation, out_jpeg, out_pixels = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
img = Image.open(source).convert("RGB").resize((40, 24), Image.BILINEAR)
exif = Image.Exif()
exif[0x0112] = orientation
img.save(out_jpeg, quality=95, exif=exif.tobytes())
upright = ImageOps.exif_transpose(Image.open(out_jpeg)).convert("RGB")
np.asarray(upright, dtype=np.uint8).tofile(out_pixels)
print(upright.width, upright.height)
