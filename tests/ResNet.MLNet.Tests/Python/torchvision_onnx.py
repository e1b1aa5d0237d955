"""torchvision's resnet18 with seeded random weights and random BN statistics, exported by torch.onnx.export
(opset 13, dynamic batch), with its weights (safetensors, torchvision names) and an input batch.
usage: torchvision_onnx.py CLASSES SIZE BATCH OUTDIR  ->  OUTDIR/torchvision.onnx, weights.safetensors, input.safetensors"""
import sys

import torch
import torchvision

import st

classes, size, batch, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
torch.set_num_threads(2)
torch.manual_seed(2024)
model = torchvision.models.resnet18(weights=None, num_classes=classes)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
model.eval()
x = torch.randn(batch, 3, size, size)
torch.onnx.export(model, x, f"{out}/torchvision.onnx", opset_version=13, input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
st.save(f"{out}/weights.safetensors", model.state_dict())
st.save(f"{out}/input.safetensors", {"x": x})
