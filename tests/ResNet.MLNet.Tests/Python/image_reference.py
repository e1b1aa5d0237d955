"""Reference decoding and resizing for the image tests: PIL decodes (libjpeg-turbo / libpng), torch resizes
(interpolate, bilinear, align_corners=False, no antialias) and normalises.

usage: image_reference.py IMAGE CHANNELS WIDTH HEIGHT OUT_PIXELS.bin OUT_TENSOR.bin
Writes the decoded pixels (H, W, C uint8) and the Fill-resized, [0,1]-scaled, ImageNet/gray-normalised float32
(C, H, W); prints the decoded width and height."""
import sys

import numpy as np
import torch
from PIL import Image

path, channels, width, height, out_pixels, out_tensor = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
img = Image.open(path)
img = img.convert("L" if channels == 1 else "RGB")
a = np.asarray(img, dtype=np.uint8).reshape(img.height, img.width, channels)
a.tofile(out_pixels)
x = torch.from_numpy(a.astype(np.float32)).permute(2, 0, 1).unsqueeze(0) / 255.0
x = torch.nn.functional.interpolate(x, size=(height, width), mode="bilinear", align_corners=False)
mean = [0.485, 0.456, 0.406] if channels == 3 else [0.449]
std = [0.229, 0.224, 0.225] if channels == 3 else [0.226]
x = (x - torch.tensor(mean).view(1, -1, 1, 1)) / torch.tensor(std).view(1, -1, 1, 1)
x[0].contiguous().numpy().astype(np.float32).tofile(out_tensor)
print(img.width, img.height)
