"""Loads a safetensors file written by ResNet.MLNet into the PyTorch CIFAR ResNet-20 (1 channel, 10 classes) with
strict=True and prints its parameter count."""
import sys

import torch

import st
from models import build

model = build("resnet20", 10, 1)
model.load_state_dict(st.load(sys.argv[1]), strict=True)
print(sum(p.numel() for p in model.parameters()))
