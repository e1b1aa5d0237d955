using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Engine;

/// <summary>
/// When the trainer and the scorer use channels-last tensors (and weights) by default. oneDNN's NHWC kernels win on
/// ImageNet-sized images (resnet18/50 at 224 px score 1.2–2.5× faster than contiguous PyTorch here), but on small images
/// with few channels (the CIFAR-style nets at 28 px) the layout conversions cost more than they save (ResNet-20 at
/// 28 px scored 1,600 img/s channels-last vs 4,300 contiguous, measured with <c>make bench ARGS="--layout ..."</c>).
/// That measurement predates the allocator fix and no longer holds (see docs/benchmarks.md): the small-image rule is
/// due for review.
/// </summary>
public static class MemoryLayout
{
    /// <summary>The smallest image area (pixels) for which channels-last is chosen automatically: 64 × 64.</summary>
    public const int ChannelsLastMinimumPixels = 64 * 64;

    /// <summary>Whether images of <paramref name="height"/> × <paramref name="width"/> train and score faster channels-last.</summary>
    public static bool PrefersChannelsLast(long height, long width) => height * width >= ChannelsLastMinimumPixels;

    /// <summary>Whether <paramref name="model"/> scores faster channels-last: ResNets with an ImageNet-style (downsampling)
    /// stem, built for large images; not the CIFAR-style nets nor other modules.</summary>
    public static bool PrefersChannelsLast(Module model) => model is Models.ResNet net && net.Spec.Stem != Models.StemKind.Cifar;
}
