"""Prints, for each model named on the command line, its parameter count and state-dict keys with shapes (JSON)."""
import json
import sys

import torch

from models import build

torch.set_num_threads(1)
result = {}
for spec in sys.argv[1:]:
    name, classes, channels, option = (spec.split(":") + ["1000", "3", "A"])[:4]
    with torch.no_grad():
        model = build(name, int(classes), int(channels), option)
    result[spec] = {
        "parameters": sum(p.numel() for p in model.parameters()),
        "keys": [[k, list(v.shape)] for k, v in model.state_dict().items()],
    }
print(json.dumps(result))
