"""One torch.optim.SGD step of the paper's ResNet-20 with two parameter groups, as fine-tuning runs it: the backbone
at lr * MULT (MULT 0: frozen, requires_grad off and left out of the optimiser), the fc head at lr; momentum 0.9,
Nesterov, weight decay WD; cross-entropy on the batch; with FREEZE_BN 1 every BatchNorm stays in eval mode.
usage: finetune_step.py STATE BATCH OUT LR MULT WD FREEZE_BN   (STATE: the model's state dict; BATCH: x, y)"""
import sys

import torch

import st
from cifar_resnet import CifarResNet

state_path, batch_path, out_path = sys.argv[1:4]
lr, mult, wd, freeze_bn = float(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6]), sys.argv[7] == "1"
state = st.load(state_path)
batch = st.load(batch_path)
model = CifarResNet(3, num_classes=state["fc.weight"].shape[0], in_channels=state["conv1.weight"].shape[1])
model.load_state_dict(state)
model.train()
if freeze_bn:
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
head = [p for n, p in model.named_parameters() if n.startswith("fc.")]
backbone = [p for n, p in model.named_parameters() if not n.startswith("fc.")]
groups = [{"params": head}]
if mult == 0:
    for p in backbone:
        p.requires_grad_(False)
else:
    groups.append({"params": backbone, "lr": lr * mult})
opt = torch.optim.SGD(groups, lr=lr, momentum=0.9, nesterov=True, weight_decay=wd)
opt.zero_grad()
torch.nn.functional.cross_entropy(model(batch["x"]), batch["y"]).backward()
opt.step()
st.save(out_path, dict(model.state_dict()))
