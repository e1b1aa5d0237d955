"""One SGD training step of a CIFAR ResNet-20 (1x28x28, 10 classes) under torch.autocast("cpu", dtype=torch.bfloat16):
forward and loss inside autocast, backward and SGD (lr 0.1, momentum 0.9, Nesterov, weight decay 5e-4) outside, as
PyTorch's AMP recipe does, in MEMORY_FORMAT (nchw or channels_last: bf16 results depend on the layout's kernels by
more than a bf16 tolerance, so each layout is compared with its own). Writes the weights before the step, the batch, and the loss, logits, gradients and
weights after the step, plus the fp32 step's loss, to OUTDIR.
usage: autocast_step.py BATCH MEMORY_FORMAT OUTDIR"""
import sys

import torch

import st
from models import build

batch, layout, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
torch.set_num_threads(2)
torch.manual_seed(4321)
model = build("resnet20", 10, 1, "A")
st.save(f"{out}/weights.safetensors", model.state_dict())
x = torch.randn(batch, 1, 28, 28)
y = torch.randint(0, 10, (batch,))

model.train()
inputs = x
if layout == "channels_last":
    model = model.to(memory_format=torch.channels_last)
    inputs = x.contiguous(memory_format=torch.channels_last)
opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
opt.zero_grad()
with torch.autocast("cpu", dtype=torch.bfloat16):
    logits = model(inputs)
    loss = torch.nn.functional.cross_entropy(logits, y)
assert logits.dtype == torch.bfloat16 and loss.dtype == torch.float32
loss.backward()
opt.step()
results = {"x": x, "y": y, "loss": loss.detach().reshape(1), "logits": logits.detach().float(),
           **{"grad." + k: p.grad for k, p in model.named_parameters()},
           "step.conv1.weight": model.conv1.weight.detach(), "step.fc.weight": model.fc.weight.detach(),
           "step.layer3.2.conv2.weight": model.layer3[2].conv2.weight.detach()}
st.save(f"{out}/expected.safetensors", results)
