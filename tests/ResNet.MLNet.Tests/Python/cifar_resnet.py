"""The paper's CIFAR ResNets (He et al. 2015, section 4.2) in plain PyTorch: 3x3 stem with 16 filters, three stages
of 2n 3x3 layers with 16/32/64 filters, global average pooling, a linear classifier. Option A shortcuts subsample
and zero-pad channels; option B uses 1x1 projection + BN. Names follow torchvision (conv1, bn1, layerN, fc)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class PadShortcut(nn.Module):
    def __init__(self, in_ch, out_ch, stride):
        super().__init__()
        self.stride, self.before = stride, (out_ch - in_ch) // 2
        self.after = out_ch - in_ch - self.before

    def forward(self, x):
        return F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, self.before, self.after))


class Block(nn.Module):
    def __init__(self, in_ch, planes, stride, option):
        super().__init__()
        self.conv1 = nn.Conv2d(in_ch, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_ch != planes:
            self.downsample = PadShortcut(in_ch, planes, stride) if option == "A" else nn.Sequential(
                nn.Conv2d(in_ch, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = out + (self.downsample(x) if self.downsample is not None else x)
        return self.relu(out)


class CifarResNet(nn.Module):
    def __init__(self, n, num_classes=10, in_channels=3, option="A"):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU(inplace=True)
        layers, in_ch = [], 16
        for i, planes in enumerate([16, 32, 64]):
            blocks = []
            for j in range(n):
                blocks.append(Block(in_ch, planes, 2 if (i > 0 and j == 0) else 1, option))
                in_ch = planes
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))
