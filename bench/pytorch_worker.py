"""PyTorch side of `make bench`: a worker that the C# benchmark drives over stdin/stdout, one JSON object per line,
so that our runs and PyTorch's interleave in the same process tree with the same thread count.

Request:  {"case": "resnet20-train-b128", "iterations": 5, "spec": {...}}   reply: {"seconds": 1.234}
Request:  {"threads": 2}                                                     reply: {"threads": 2}
The worker's variant is its first argument:
  plain: plain PyTorch user code: eager mode, default (contiguous) memory format, model.eval() and
         torch.inference_mode() for inference, torch.optim.SGD for training;
  tuned: what a performance-aware user does on the CPU: channels_last weights and inputs, and for inference
         torch.jit.optimize_for_inference (oneDNN-fused conv+BN+ReLU). The C# side also starts this worker with
         glibc's MALLOC_MMAP_THRESHOLD_/MALLOC_TRIM_THRESHOLD_ set, the values ours applies with mallopt.
Cases with "precision": "bf16" train with torch.autocast("cpu", dtype=torch.bfloat16) around forward and loss
(the AMP recipe) in both variants.
"""
import json
import os
import sys
import time

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ResNet.MLNet.Tests", "Python"))
from cifar_resnet import CifarResNet  # noqa: E402


def make_case(spec, tuned):
    torch.manual_seed(0)
    kind, batch, shape = spec["kind"], spec["batch"], spec["shape"]
    if spec["model"] == "resnet20":
        model = CifarResNet(3, num_classes=10, in_channels=shape[0])
    else:
        model = getattr(torchvision.models, spec["model"])(weights=None)
    x = torch.randn(batch, *shape)
    if tuned:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    if kind == "train":
        y = torch.randint(0, 10, (batch,))
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
        loss_fn = torch.nn.CrossEntropyLoss()
        model.train()
        bf16 = spec.get("precision", "fp32") == "bf16"

        def step():
            opt.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = loss_fn(model(x), y)
            loss.backward()
            opt.step()
        return step
    model.eval()
    if tuned:
        with torch.no_grad():
            model = torch.jit.optimize_for_inference(torch.jit.trace(model, x))

    def infer():
        with torch.inference_mode():
            model(x)
    return infer


def main():
    tuned = len(sys.argv) > 1 and sys.argv[1] == "tuned"
    cases = {}
    for line in sys.stdin:
        request = json.loads(line)
        if "threads" in request:
            torch.set_num_threads(int(request["threads"]))
            reply = {"threads": torch.get_num_threads(), "torch": torch.__version__}
        else:
            name = request["case"]
            if name not in cases:
                cases[name] = make_case(request["spec"], tuned)
            fn = cases[name]
            start = time.perf_counter()
            for _ in range(int(request["iterations"])):
                fn()
            reply = {"seconds": time.perf_counter() - start}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
