using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Models.Classic;

/// <summary>Builds a <see cref="ClassicNet"/> from a <see cref="ClassicNetSpec"/> with torchvision's layer order and indices.</summary>
public static class ClassicNetBuilder
{
    /// <summary>Builds the network (seed libtorch first with <see cref="TorchRuntime.ManualSeed"/> for repeatable weights).</summary>
    public static ClassicNet Build(ClassicNetSpec spec)
    {
        spec.Validate();
        var features = new Sequential();
        int channels = spec.InChannels;
        foreach (var layer in spec.Features)
        {
            switch (layer)
            {
                case ConvLayer c:
                    features.Add(new Conv2d(channels, c.OutChannels, c.Kernel, c.Stride, c.Padding));
                    if (spec.BatchNorm) features.Add(new BatchNorm2d(c.OutChannels));
                    features.Add(new ReLU(inPlace: true));
                    channels = c.OutChannels;
                    break;
                case PoolLayer p:
                    features.Add(new MaxPool2d(p.Kernel, p.Stride));
                    break;
                default:
                    throw new ArgumentException($"{spec.Name}: unknown feature layer {layer}");
            }
        }
        Module? avgpool = spec.PoolSize is { } s ? new AdaptiveAvgPool2d(s, s) : null;
        int side = spec.PoolSize ?? spec.FeatureShape(spec.InputSize).Size;
        var net = new ClassicNet(spec, features, avgpool, Classifier(spec, channels * side * side));
        if (spec.Init == ClassicInit.Vgg) InitialiseAsVgg(net);
        return net;
    }

    private static Sequential Classifier(ClassicNetSpec spec, int inFeatures)
    {
        var classifier = new Sequential();
        foreach (int width in spec.Hidden)
        {
            if (spec.Classifier == ClassifierStyle.AlexNet) classifier.Add(new Dropout(spec.Dropout));
            classifier.Add(new Linear(inFeatures, width));
            classifier.Add(new ReLU(inPlace: true));
            if (spec.Classifier == ClassifierStyle.Vgg) classifier.Add(new Dropout(spec.Dropout));
            inFeatures = width;
        }
        classifier.Add(new Linear(inFeatures, spec.NumClasses));
        return classifier;
    }

    private static void InitialiseAsVgg(Module net)
    {
        foreach (var (_, m) in net.NamedModules())
        {
            switch (m)
            {
                case Conv2d conv:
                    Init.KaimingNormal(conv.Weight, Init.FanMode.FanOut);
                    if (conv.Bias != null) Init.Constant(conv.Bias, 0);
                    break;
                case BatchNorm2d bn:
                    Init.Constant(bn.Weight, 1);
                    Init.Constant(bn.Bias, 0);
                    break;
                case Linear linear:
                    Init.Normal(linear.Weight, 0, 0.01);
                    if (linear.Bias != null) Init.Constant(linear.Bias, 0);
                    break;
            }
        }
    }
}
