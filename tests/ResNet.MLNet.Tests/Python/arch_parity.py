"""Builds a reference model (arch_models.build), randomises its BN statistics, and writes its weights and a random
batch with the eval-mode output to OUTDIR/weights.safetensors and OUTDIR/expected.safetensors (unless BATCH is 0);
prints its parameter count and state-dict keys with shapes as JSON.
usage: arch_parity.py NAME CLASSES CHANNELS BATCH SIZE OUTDIR"""
import json
import sys

import torch

import st
from arch_models import build
from arch_units import randomise_bn

name, classes, channels, batch, size, out = sys.argv[1:]
classes, channels, batch, size = int(classes), int(channels), int(batch), int(size)
torch.set_num_threads(2)
torch.manual_seed(4321)
with torch.no_grad():
    model = build(name, classes, channels)
randomise_bn(model)
if batch > 0:
    st.save(f"{out}/weights.safetensors", model.state_dict())
    x = torch.randn(batch, channels, size, size)
    model.eval()
    with torch.no_grad():
        st.save(f"{out}/expected.safetensors", {"x": x, "eval_out": model(x)})
print(json.dumps({"parameters": sum(p.numel() for p in model.parameters()),
                  "keys": [[k, list(v.shape)] for k, v in model.state_dict().items()]}))
