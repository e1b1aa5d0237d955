"""Does holding every module output alive until a training step ends slow tuned PyTorch's step?

Before 2026-11-23 our forward kept every intermediate tensor's handle in the step's TensorScope until the step ended;
Python frees an intermediate as soon as nothing references it, so autograd releases saved activations as backward
passes. This runs tuned PyTorch (channels_last, the bench's malloc settings, set in the environment) both ways,
interleaved: "free" is ordinary PyTorch, "keep" holds every module's output in a list until the step ends.

    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456 /usr/bin/python3 bench/intermediates_experiment.py resnet20 2
"""
import os, sys, time, torch, torchvision
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "ResNet.MLNet.Tests", "Python"))
from cifar_resnet import CifarResNet
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
name = sys.argv[1]
torch.manual_seed(0)
if name == "resnet20":
    model, x = CifarResNet(3, num_classes=10, in_channels=1), torch.randn(128, 1, 28, 28)
else:
    model, x = getattr(torchvision.models, name)(weights=None), torch.randn(16, 3, 224, 224)
model = model.to(memory_format=torch.channels_last); x = x.contiguous(memory_format=torch.channels_last)
y = torch.randint(0, 10, (x.shape[0],))
opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
kept = []
hooks = []
def keep_on():
    for m in model.modules():
        hooks.append(m.register_forward_hook(lambda m, i, o: kept.append(o)))
def keep_off():
    for h in hooks: h.remove()
    hooks.clear()
def step():
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    kept.clear()
iters = 5 if name == "resnet20" else 2
for _ in range(3): step()
res = {"free": [], "keep": []}
for rep in range(5):
    for mode in ("free", "keep"):
        if mode == "keep": keep_on()
        t = time.perf_counter()
        for _ in range(iters): step()
        res[mode].append(iters * x.shape[0] / (time.perf_counter() - t))
        keep_off()
import statistics
for k, v in res.items(): print(name, k, round(statistics.median(v), 1), [round(a, 1) for a in v])
print("keep/free", round(statistics.median(res["keep"]) / statistics.median(res["free"]), 3))
