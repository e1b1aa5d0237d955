"""Writes a model's weights, a random batch, and the reference results of PyTorch to safetensors files:
eval-mode output; train-mode loss, gradients of conv1.weight and fc.weight, BN running statistics after the
forward pass, and conv1.weight after one SGD step (momentum 0.9, Nesterov, weight decay 5e-4, lr 0.1).
usage: parity.py NAME CLASSES CHANNELS BATCH SIZE OPTION OUTDIR"""
import sys

import torch

import st
from models import build, randomize_batchnorm

name, classes, channels, batch, size, option, out = sys.argv[1:]
classes, channels, batch, size = int(classes), int(channels), int(batch), int(size)
torch.set_num_threads(2)
torch.manual_seed(1234)
model = build(name, classes, channels, option)
randomize_batchnorm(model)
st.save(f"{out}/weights.safetensors", model.state_dict())

x = torch.randn(batch, channels, size, size)
y = torch.randint(0, classes, (batch,))
model.eval()
with torch.no_grad():
    eval_out = model(x)

model.train()
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
logits = model(x)
loss = torch.nn.functional.cross_entropy(logits, y, label_smoothing=0.1)
loss.backward()
results = {"x": x, "y": y, "eval_out": eval_out, "loss": loss.detach().reshape(1),
           "grad.conv1.weight": model.conv1.weight.grad, "grad.fc.weight": model.fc.weight.grad}
for k, v in model.state_dict().items():
    if "running_" in k or "num_batches" in k:
        results["state." + k] = v
opt.step()
results["step.conv1.weight"] = model.conv1.weight.detach()
results["step.fc.weight"] = model.fc.weight.detach()
st.save(f"{out}/expected.safetensors", results)
