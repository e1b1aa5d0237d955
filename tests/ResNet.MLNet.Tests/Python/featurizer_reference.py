"""torchvision resnet18 with seeded random weights and BN statistics saved by torch.save (resnet18.pth), a batch of
pixels in [0, 1] and torchvision's penultimate-layer features of those pixels after ImageNet normalisation (fc
replaced by Identity, eval mode): pixels.safetensors holds x (N, 3, S, S) and features (N, 512).
usage: featurizer_reference.py OUTDIR SIZE N"""
import sys

import torch
import torchvision

import st
from models import randomize_batchnorm

out, size, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(2)
torch.manual_seed(2024)
model = randomize_batchnorm(torchvision.models.resnet18())
torch.save(model.state_dict(), f"{out}/resnet18.pth")
x = torch.rand(n, 3, size, size)
mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
model.fc = torch.nn.Identity()
model.eval()
with torch.no_grad():
    features = model((x - mean) / std)
st.save(f"{out}/pixels.safetensors", {"x": x, "features": features})
