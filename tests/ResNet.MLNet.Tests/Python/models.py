"""Builds a reference model by name: torchvision's ImageNet ResNets or the paper's CIFAR ResNets."""
import torchvision

from cifar_resnet import CifarResNet

CIFAR_DEPTHS = {"resnet20": 3, "resnet32": 5, "resnet44": 7, "resnet56": 9, "resnet110": 18, "resnet1202": 200}


def build(name, num_classes=1000, in_channels=3, option="A"):
    if name in CIFAR_DEPTHS:
        return CifarResNet(CIFAR_DEPTHS[name], num_classes, in_channels, option)
    model = getattr(torchvision.models, name)(weights=None, num_classes=num_classes)
    if in_channels != 3:
        import torch.nn as nn
        model.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
    return model
