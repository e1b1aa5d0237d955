namespace ResNet.MLNet.Engine;

/// <summary>Random transformations applied to each training batch (never to validation or scoring).</summary>
public sealed record AugmentationOptions
{
    /// <summary>Zero-pad each image by this many pixels on every side, then crop a random window of the original size
    /// (per image). 0 (the default) disables the crop; 4 is the CIFAR recipe.</summary>
    public int RandomCropPadding { get; init; }

    /// <summary>Mirror each image left-right with probability 0.5. Default false.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>
    /// Random erasing (Zhong et al. 2017): with this probability per image, a random rectangle covering 2–33 % of the
    /// image with aspect ratio between 0.3 and 3.3 is set to 0 (the normalised mean), as torchvision's
    /// <c>RandomErasing(p, scale=(0.02, 0.33), ratio=(0.3, 3.3), value=0)</c> does. Applied after the crop and flip.
    /// 0 (the default) disables it; 0.5 is the paper's setting.
    /// </summary>
    public double RandomErasing { get; init; }

    /// <summary>No augmentation.</summary>
    public static AugmentationOptions None { get; } = new();

    /// <summary>The standard CIFAR/Fashion-MNIST recipe: 4-pixel padded random crop and horizontal flip.</summary>
    public static AugmentationOptions Standard { get; } = new() { RandomCropPadding = 4, HorizontalFlip = true };

    /// <summary>Whether any transformation is enabled.</summary>
    public bool IsEnabled => RandomCropPadding > 0 || HorizontalFlip || RandomErasing > 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the setting that is out of range.</summary>
    public void Validate()
    {
        if (RandomCropPadding < 0) throw new ArgumentException($"RandomCropPadding must be 0 or more, got {RandomCropPadding}");
        if (!(RandomErasing >= 0 && RandomErasing <= 1)) throw new ArgumentException($"RandomErasing is a probability in [0, 1], got {RandomErasing}");
    }
}
