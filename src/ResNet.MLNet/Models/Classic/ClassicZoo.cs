namespace ResNet.MLNet.Models.Classic;

/// <summary>The classic networks the residual-learning papers compare against, as <see cref="ClassicNetSpec"/>s.</summary>
public static class ClassicZoo
{
    private static ConvLayer Conv(int outChannels, int kernel, int stride = 1, int padding = 0) => new(outChannels, kernel, stride, padding);
    private static PoolLayer Pool(int kernel, int stride) => new(kernel, stride);

    /// <summary>
    /// LeNet-5 (LeCun et al. 1998) in its common modern form: 5×5 convolutions of 6 and 16 channels (the first padded
    /// by 2 so a 28×28 image stands in for the original 32×32), ReLU and 2×2 max pooling, then 120, 84 and the classes;
    /// 61,706 parameters for one channel and 10 classes.
    /// </summary>
    public static ClassicNetSpec LeNet5(int numClasses = 10, int inChannels = 1) => new()
    {
        Name = "lenet5", Features = new FeatureLayer[] { Conv(6, 5, 1, 2), Pool(2, 2), Conv(16, 5), Pool(2, 2) },
        Hidden = new[] { 120, 84 }, InputSize = 28, InChannels = inChannels, NumClasses = numClasses,
    };

    /// <summary>torchvision's <c>alexnet</c> (one-GPU form, 61,100,840 parameters at 1000 classes); inputs of at least 63 px.</summary>
    public static ClassicNetSpec AlexNet(int numClasses = 1000, int inChannels = 3) => new()
    {
        Name = "alexnet",
        Features = new FeatureLayer[]
        {
            Conv(64, 11, 4, 2), Pool(3, 2), Conv(192, 5, 1, 2), Pool(3, 2),
            Conv(384, 3, 1, 1), Conv(256, 3, 1, 1), Conv(256, 3, 1, 1), Pool(3, 2),
        },
        PoolSize = 6, Hidden = new[] { 4096, 4096 }, Classifier = ClassifierStyle.AlexNet,
        InChannels = inChannels, NumClasses = numClasses,
    };

    /// <summary>torchvision's <c>vgg16</c> (configuration D, 138,357,544 parameters at 1000 classes); inputs of at least 32 px.</summary>
    public static ClassicNetSpec Vgg16(int numClasses = 1000, int inChannels = 3, bool batchNorm = false) => new()
    {
        Name = batchNorm ? "vgg16_bn" : "vgg16",
        Features = VggFeatures(64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0),
        PoolSize = 7, Hidden = new[] { 4096, 4096 }, Classifier = ClassifierStyle.Vgg, Init = ClassicInit.Vgg, BatchNorm = batchNorm,
        InChannels = inChannels, NumClasses = numClasses,
    };

    /// <summary>
    /// An AlexNet-style network for 28×28 images: AlexNet's five convolutions and three max pools at half width with
    /// 5×5 stride-1 first kernels, pooled to 2×2, and a 1024-1024 dropout classifier.
    /// </summary>
    public static ClassicNetSpec AlexNetSmall(int numClasses = 10, int inChannels = 1) => new()
    {
        Name = "alexnet-small",
        Features = new FeatureLayer[]
        {
            Conv(32, 5, 1, 2), Pool(3, 2), Conv(96, 5, 1, 2), Pool(3, 2),
            Conv(192, 3, 1, 1), Conv(128, 3, 1, 1), Conv(128, 3, 1, 1), Pool(3, 2),
        },
        PoolSize = 2, Hidden = new[] { 1024, 1024 }, Classifier = ClassifierStyle.AlexNet,
        InChannels = inChannels, NumClasses = numClasses,
    };

    /// <summary>
    /// A VGG-style network for 28×28 images: three stages of two 3×3 convolutions (32, 64, 128 channels) with BN, each
    /// followed by a 2×2 max pool, pooled to 3×3, and a 512-512 dropout classifier (VGG initialisation).
    /// </summary>
    public static ClassicNetSpec VggSmall(int numClasses = 10, int inChannels = 1) => new()
    {
        Name = "vgg-small", Features = VggFeatures(32, 32, 0, 64, 64, 0, 128, 128, 0),
        PoolSize = 3, Hidden = new[] { 512, 512 }, Classifier = ClassifierStyle.Vgg, Init = ClassicInit.Vgg, BatchNorm = true,
        InChannels = inChannels, NumClasses = numClasses,
    };

    /// <summary>VGG's configuration list: a width is a padded 3×3 convolution, 0 is a 2×2 max pool.</summary>
    private static FeatureLayer[] VggFeatures(params int[] config) =>
        config.Select(c => c == 0 ? (FeatureLayer)Pool(2, 2) : Conv(c, 3, 1, 1)).ToArray();
}
