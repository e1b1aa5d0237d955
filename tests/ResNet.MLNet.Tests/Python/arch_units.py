"""Reference definitions, in plain PyTorch, of the five residual-unit variants of He et al. 2016 ("Identity Mappings
in Deep Residual Networks", Fig. 4), basic and bottleneck, each written out explicitly in forward().
As a script: writes, for every case, the unit's weights (random BN statistics) and a batch with its eval-mode and
train-mode outputs to OUTDIR/<case>.weights.safetensors and OUTDIR/<case>.expected.safetensors, and prints the cases.
usage: arch_units.py OUTDIR"""
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

KINDS = ["original", "bn_after_addition", "relu_before_addition", "relu_only_preactivation", "full_preactivation"]


class Unit(nn.Module):
    def __init__(self, kind, block, in_ch, planes, stride, first=False, plain=False):
        super().__init__()
        self.kind, self.first, self.plain = kind, first, plain
        if block == "basic":
            shapes, out_ch = [(in_ch, planes, 3, stride), (planes, planes, 3, 1)], planes
        else:
            shapes, out_ch = [(in_ch, planes, 1, 1), (planes, planes, 3, stride), (planes, planes * 4, 1, 1)], planes * 4
        pre = kind == "full_preactivation"
        for i, (a, b, k, s) in enumerate(shapes, 1):
            if pre and not (i == 1 and first):
                setattr(self, f"bn{i}", nn.BatchNorm2d(a))
            setattr(self, f"conv{i}", nn.Conv2d(a, b, k, s, k // 2, bias=False))
            if not pre:
                setattr(self, f"bn{i}", nn.BatchNorm2d(b))
        self.m = len(shapes)
        self.downsample = None
        if not plain and (stride != 1 or in_ch != out_ch):
            layers = [nn.Conv2d(in_ch, out_ch, 1, stride, bias=False)]
            if not pre:
                layers.append(nn.BatchNorm2d(out_ch))
            self.downsample = nn.Sequential(*layers)

    def c(self, i):
        return getattr(self, f"conv{i}")

    def b(self, i):
        return getattr(self, f"bn{i}")

    def shortcut(self, x):
        return x if self.downsample is None else self.downsample(x)

    def add(self, h, x):
        return h if self.plain else h + self.shortcut(x)

    def forward(self, x):
        k, m, h = self.kind, self.m, x
        if k == "original":  # (a)
            for i in range(1, m):
                h = F.relu(self.b(i)(self.c(i)(h)))
            h = self.b(m)(self.c(m)(h))
            return F.relu(self.add(h, x))
        if k == "bn_after_addition":  # (b)
            for i in range(1, m):
                h = F.relu(self.b(i)(self.c(i)(h)))
            h = self.c(m)(h)
            return F.relu(self.b(m)(self.add(h, x)))
        if k == "relu_before_addition":  # (c)
            for i in range(1, m + 1):
                h = F.relu(self.b(i)(self.c(i)(h)))
            return self.add(h, x)
        if k == "relu_only_preactivation":  # (d)
            for i in range(1, m + 1):
                h = self.b(i)(self.c(i)(F.relu(h)))
            return self.add(h, x)
        if k == "full_preactivation":  # (e): a projection reads the pre-activated input
            a = x if self.first else F.relu(self.bn1(x))
            h = self.conv1(a)
            for i in range(2, m + 1):
                h = self.c(i)(F.relu(self.b(i)(h)))
            return h if self.plain else h + (x if self.downsample is None else self.downsample(a))
        raise ValueError(k)


def randomise_bn(model):
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.BatchNorm2d):
                mod.weight.uniform_(0.5, 1.5)
                mod.bias.uniform_(-0.2, 0.2)
                mod.running_mean.uniform_(-0.1, 0.1)
                mod.running_var.uniform_(0.5, 1.5)


CASES = []
for kind in KINDS:
    for block in ["basic", "bottleneck"]:
        # (in_ch, planes, stride): identity shortcut, projection with stride 2
        inner = 16 if block == "basic" else 64
        CASES.append((kind, block, inner, 16, 1, False))
        CASES.append((kind, block, 8, 16, 2, False))
    CASES.append((kind, "basic", 8, 16, 2, True))  # plain counterpart
CASES.append(("full_preactivation", "bottleneck", 16, 16, 1, False))  # first unit of a pre-activation stage: 16 -> 64
CASES.append(("full_preactivation", "basic", 16, 16, 1, False, True))  # the network's first unit (no bn1)


def case_name(c):
    kind, block, in_ch, planes, stride, plain = c[:6]
    first = len(c) > 6 and c[6]
    return f"{kind}-{block}-{in_ch}-{planes}-{stride}" + ("-plain" if plain else "") + ("-first" if first else "")


if __name__ == "__main__":
    import st
    out = sys.argv[1]
    torch.set_num_threads(2)
    torch.manual_seed(5)
    for c in CASES:
        kind, block, in_ch, planes, stride, plain = c[:6]
        first = len(c) > 6 and c[6]
        unit = Unit(kind, block, in_ch, planes, stride, first=first, plain=plain)
        randomise_bn(unit)
        name = case_name(c)
        st.save(f"{out}/{name}.weights.safetensors", unit.state_dict())
        x = torch.randn(3, in_ch, 8, 8)
        unit.eval()
        with torch.no_grad():
            eval_out = unit(x)
        unit.train()
        with torch.no_grad():
            train_out = unit(x)
        st.save(f"{out}/{name}.expected.safetensors", {"x": x, "eval_out": eval_out, "train_out": train_out})
        print(name)
