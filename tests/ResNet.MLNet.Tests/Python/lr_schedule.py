"""Learning rates of torch.optim.lr_scheduler per optimiser step, printed as JSON, for the schedule tests.
usage: lr_schedule.py onecycle|cosine|multistep LR EPOCHS STEPS_PER_EPOCH WARMUP_STEPS [MILESTONE ...]"""
import json
import sys

import torch

kind, lr, epochs, per_epoch, warmup = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
milestones = [int(m) for m in sys.argv[6:]]
total = epochs * per_epoch
opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)
lrs = []
if kind == "onecycle":
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total)
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
elif kind == "cosine":
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=1.0 / warmup, end_factor=1.0, total_iters=warmup)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=total - warmup)
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[warmup])
    for _ in range(total):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
elif kind == "multistep":
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=milestones, gamma=0.1)
    for _ in range(epochs):
        lrs.extend([opt.param_groups[0]["lr"]] * per_epoch)
        opt.step()
        sched.step()
else:
    raise SystemExit(f"unknown schedule {kind}")
print(json.dumps(lrs))
