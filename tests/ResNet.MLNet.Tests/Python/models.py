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


def randomize_batchnorm(model):
    """Random BN affine parameters and running statistics (in module order), so that eval mode exercises them."""
    import torch
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    return model
