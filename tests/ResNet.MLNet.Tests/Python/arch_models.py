"""Reference definitions, in PyTorch/torchvision, of the architectures of issue 5 by name:
torchvision's alexnet, vgg16, wide_resnet50_2, resnext50_32x4d; ResNet-50-C/D (Bag of Tricks) as torchvision's
resnet50 with timm-style deep stem and average-pool shortcuts; the CIFAR pre-activation ResNets of He et al. 2016
and Wide ResNets; plain CIFAR nets; LeNet-5 and the small AlexNet/VGG-style nets."""
import torch.nn as nn
import torchvision

from arch_units import Unit

TORCHVISION = {"alexnet", "vgg16", "wide_resnet50_2", "resnext50_32x4d", "resnet50"}


def avg_down(in_ch, out_ch, stride):
    pool = nn.AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False) if stride > 1 else nn.Identity()
    return nn.Sequential(pool, nn.Conv2d(in_ch, out_ch, 1, 1, bias=False), nn.BatchNorm2d(out_ch))


def resnet50_tweaked(name, num_classes, in_channels):
    model = torchvision.models.resnet50(weights=None, num_classes=num_classes)
    model.conv1 = nn.Sequential(
        nn.Conv2d(in_channels, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
        nn.Conv2d(32, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
        nn.Conv2d(32, 64, 3, 1, 1, bias=False))
    if name == "resnet50d":
        for layer in [model.layer1, model.layer2, model.layer3, model.layer4]:
            ds = layer[0].downsample
            conv = ds[0]
            layer[0].downsample = avg_down(conv.in_channels, conv.out_channels, conv.stride[0])
    return model


class CifarNet(nn.Module):
    """CIFAR stem (3x3 conv, BN, ReLU), three stages of units, optional final BN-ReLU (pre-activation), pool, fc."""

    def __init__(self, kind, block, n, widths, num_classes, in_channels, plain=False):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        in_ch, expansion = 16, (4 if block == "bottleneck" else 1)
        for s, w in enumerate(widths):
            units = []
            for i in range(n):
                stride = 2 if s > 0 and i == 0 else 1
                units.append(Unit(kind, block, in_ch, w, stride, first=(s == 0 and i == 0 and kind == "full_preactivation"), plain=plain))
                in_ch = w * expansion
            setattr(self, f"layer{s + 1}", nn.Sequential(*units))
        self.pre = kind == "full_preactivation"
        if self.pre:
            self.norm = nn.BatchNorm2d(in_ch)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(in_ch, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        if self.pre:
            x = self.relu(self.norm(x))
        return self.fc(self.avgpool(x).flatten(1))


class WideResNetXternalz(nn.Module):
    """Wide ResNet as in the widely used PyTorch port (xternalz/WideResNet-pytorch): stem conv only, pre-activation
    basic blocks, a 1x1 shortcut conv on the activated input where shapes differ, final BN-ReLU. Different names; used
    for its parameter count."""

    class Block(nn.Module):
        def __init__(self, i, o, stride):
            super().__init__()
            self.bn1, self.conv1 = nn.BatchNorm2d(i), nn.Conv2d(i, o, 3, stride, 1, bias=False)
            self.bn2, self.conv2 = nn.BatchNorm2d(o), nn.Conv2d(o, o, 3, 1, 1, bias=False)
            self.short = None if i == o else nn.Conv2d(i, o, 1, stride, 0, bias=False)

    def __init__(self, depth, k, num_classes, in_channels):
        super().__init__()
        n = (depth - 4) // 6
        ch = [16, 16 * k, 32 * k, 64 * k]
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        blocks = []
        for s in range(3):
            for i in range(n):
                blocks.append(self.Block(ch[s] if i == 0 else ch[s + 1], ch[s + 1], (1 if s == 0 else 2) if i == 0 else 1))
        self.blocks = nn.Sequential(*blocks)
        self.bn, self.fc = nn.BatchNorm2d(ch[3]), nn.Linear(ch[3], num_classes)


def lenet5(num_classes, in_channels):
    m = nn.Module()
    m.features = nn.Sequential(nn.Conv2d(in_channels, 6, 5, 1, 2), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2),
                               nn.Conv2d(6, 16, 5), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2))
    m.classifier = nn.Sequential(nn.Linear(400, 120), nn.ReLU(inplace=True), nn.Linear(120, 84), nn.ReLU(inplace=True),
                                 nn.Linear(84, num_classes))
    m.forward = lambda x: m.classifier(m.features(x).flatten(1))
    return m


def alexnet_small(num_classes, in_channels):
    m = torchvision.models.alexnet(weights=None, num_classes=num_classes)
    m.features = nn.Sequential(
        nn.Conv2d(in_channels, 32, 5, 1, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(32, 96, 5, 1, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(96, 192, 3, 1, 1), nn.ReLU(inplace=True), nn.Conv2d(192, 128, 3, 1, 1), nn.ReLU(inplace=True),
        nn.Conv2d(128, 128, 3, 1, 1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))
    m.avgpool = nn.AdaptiveAvgPool2d((2, 2))
    m.classifier = nn.Sequential(nn.Dropout(0.5), nn.Linear(512, 1024), nn.ReLU(inplace=True), nn.Dropout(0.5),
                                 nn.Linear(1024, 1024), nn.ReLU(inplace=True), nn.Linear(1024, num_classes))
    return m


def vgg_small(num_classes, in_channels):
    layers, c = [], in_channels
    for v in [32, 32, "M", 64, 64, "M", 128, 128, "M"]:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(c, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            c = v
    m = torchvision.models.VGG(nn.Sequential(*layers), num_classes=num_classes)
    m.avgpool = nn.AdaptiveAvgPool2d((3, 3))
    m.classifier = nn.Sequential(nn.Linear(128 * 9, 512), nn.ReLU(True), nn.Dropout(), nn.Linear(512, 512), nn.ReLU(True),
                                 nn.Dropout(), nn.Linear(512, num_classes))
    return m


def build(name, num_classes=1000, in_channels=3):
    if name in TORCHVISION:
        model = getattr(torchvision.models, name)(weights=None, num_classes=num_classes)
        if in_channels != 3:
            raise ValueError("torchvision models are built with 3 input channels here")
        return model
    if name in ("resnet50c", "resnet50d"):
        return resnet50_tweaked(name, num_classes, in_channels)
    if name.startswith("preact-resnet"):
        depth = int(name[len("preact-resnet"):])
        block = "bottleneck" if depth >= 164 else "basic"
        n = (depth - 2) // (9 if block == "bottleneck" else 6)
        return CifarNet("full_preactivation", block, n, [16, 32, 64], num_classes, in_channels)
    if name.startswith("plain"):
        n = (int(name[len("plain"):]) - 2) // 6
        return CifarNet("original", "basic", n, [16, 32, 64], num_classes, in_channels, plain=True)
    if name.startswith("wrn-"):
        depth, k = map(int, name[4:].split("-"))
        return CifarNet("full_preactivation", "basic", (depth - 4) // 6, [16 * k, 32 * k, 64 * k], num_classes, in_channels)
    if name.startswith("xternalz-wrn-"):
        depth, k = map(int, name[len("xternalz-wrn-"):].split("-"))
        return WideResNetXternalz(depth, k, num_classes, in_channels)
    if name == "lenet5":
        return lenet5(num_classes, in_channels)
    if name == "alexnet-small":
        return alexnet_small(num_classes, in_channels)
    if name == "vgg-small":
        return vgg_small(num_classes, in_channels)
    raise ValueError(f"unknown model {name}")
