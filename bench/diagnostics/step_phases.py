"""Per-phase time of tuned PyTorch's training step (zero_grad, forward + loss, backward, SGD), as bench/pytorch_worker.py
runs it (channels_last, Nesterov SGD with weight decay, autocast for bf16). Companion of step_phases.cs; docs/benchmarks.md.
usage: python3 step_phases.py fp32|bf16 [resnet18]   (threads: T, default 2)"""
import sys, time, torch
sys.path.insert(0, __import__('os').path.join(__import__('os').path.dirname(__file__), '../../tests/ResNet.MLNet.Tests/Python'))
from cifar_resnet import CifarResNet
torch.set_num_threads(int(__import__("os").environ.get("T","2")))
bf16 = sys.argv[1] == 'bf16'; r18 = len(sys.argv) > 2
import torchvision
torch.manual_seed(0)
model = (torchvision.models.resnet18() if r18 else CifarResNet(3, num_classes=10, in_channels=1)).to(memory_format=torch.channels_last)
x = (torch.randn(16, 3, 224, 224) if r18 else torch.randn(128, 1, 28, 28)).contiguous(memory_format=torch.channels_last); y = torch.arange(x.shape[0]) % 10
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
loss_fn = torch.nn.CrossEntropyLoss(); model.train()
t = [0.0] * 4
import resource
f0 = 0
N, W = (13, 3) if r18 else (60, 10)
for i in range(N):
    a = time.perf_counter(); opt.zero_grad(); b = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        loss = loss_fn(model(x), y)
    c = time.perf_counter(); loss.backward(); d = time.perf_counter(); opt.step(); e = time.perf_counter()
    if i == W - 1: f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    if i >= W:
        for k, v in enumerate([b - a, c - b, d - c, e - d]): t[k] += v
t = [v / (N - W) * 1e3 for v in t]
print(f"tuned faults/step {(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) // (N - W)}; per step ms: zero {t[0]:.2f} forward {t[1]:.2f} backward {t[2]:.2f} step {t[3]:.2f} total {sum(t):.2f}")
