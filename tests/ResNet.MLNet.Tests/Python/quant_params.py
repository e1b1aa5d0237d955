"""The uint8 scale and zero point PyTorch's MinMaxObserver (quint8, per-tensor affine, no reduced range) gives
tensors whose minimum and maximum are the argument pairs. usage: quant_params.py MIN MAX [MIN MAX ...]; prints
'scale zero_point' per pair."""
import sys

import torch
from torch.ao.quantization.observer import MinMaxObserver

values = [float(v) for v in sys.argv[1:]]
for lo, hi in zip(values[0::2], values[1::2]):
    observer = MinMaxObserver(dtype=torch.quint8, qscheme=torch.per_tensor_affine, reduce_range=False)
    observer(torch.tensor([lo, hi], dtype=torch.float32))
    scale, zero_point = observer.calculate_qparams()
    print(repr(float(scale)), int(zero_point))
