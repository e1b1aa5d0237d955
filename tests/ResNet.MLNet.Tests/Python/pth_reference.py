"""Writes PyTorch checkpoints with torch.save and the same tensors as safetensors, for the .pth reader tests.
resnet18: torchvision resnet18 with seeded random weights and BN statistics, saved as a state dict (zip and legacy
formats), inside a training checkpoint dict, and as safetensors; expected.safetensors holds an input batch and
torchvision's eval-mode logits. small: one tensor of every dtype and layout a state dict can hold (views sharing a
storage, non-contiguous, offset, 0-d, empty, a Parameter); small.safetensors holds the values as float32/int64/bool.
usage: pth_reference.py OUTDIR"""
import sys

import torch
import torchvision

import st
from models import randomize_batchnorm

out = sys.argv[1]
torch.set_num_threads(2)
torch.manual_seed(4321)

model = torchvision.models.resnet18()
randomize_batchnorm(model)
for m in model.modules():
    if isinstance(m, torch.nn.BatchNorm2d):
        m.num_batches_tracked.fill_(7)
sd = model.state_dict()
torch.save(sd, f"{out}/resnet18.pth")
torch.save(sd, f"{out}/resnet18_legacy.pth", _use_new_zipfile_serialization=False)
torch.save({"epoch": 3, "best_acc": 0.91, "arch": "resnet18", "state_dict": sd}, f"{out}/checkpoint.pth")
st.save(f"{out}/resnet18.safetensors", sd)
x = torch.randn(2, 3, 64, 64)
model.eval()
with torch.no_grad():
    logits = model(x)
st.save(f"{out}/expected.safetensors", {"x": x, "logits": logits})

base = torch.randn(4, 6)
small = {
    "w": base,
    "t": base.t(),                    # non-contiguous view of the same storage
    "row": base[2],                   # storage offset 12
    "cols": base[:, 1:5:2],           # strided view with an offset
    "half": torch.randn(3, 5).half(),
    "bf16": torch.randn(2, 7).bfloat16(),
    "f64": torch.randn(5).double(),
    "i64": torch.arange(-3, 9).reshape(3, 4),
    "i32": torch.arange(6, dtype=torch.int32),
    "u8": torch.arange(250, 256, dtype=torch.uint8),
    "flags": torch.tensor([True, False, True]),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
    "param": torch.nn.Parameter(torch.randn(2, 2)),
}
torch.save(small, f"{out}/small.pth")
torch.save(small, f"{out}/small_legacy.pth", _use_new_zipfile_serialization=False)
expected = {}
for k, v in small.items():
    v = v.detach()
    if v.is_floating_point():
        v = v.float()
    elif v.dtype == torch.int32:
        v = v.long()  # st.py has no I32 reader on our side needed; compare as int64
    elif v.dtype == torch.uint8:
        v = v.long()
    expected[k] = v.contiguous()
st.save(f"{out}/small.safetensors", expected)
print("ok")
