namespace ResNet.MLNet.Engine;

/// <summary>Random transformations applied to each training batch (never to validation or scoring).</summary>
public sealed record AugmentationOptions
{
    /// <summary>Zero-pad each image by this many pixels on every side, then crop a random window of the original size
    /// (per image). 0 (the default) disables the crop; 4 is the CIFAR recipe.</summary>
    public int RandomCropPadding { get; init; }

    /// <summary>Mirror each image left-right with probability 0.5. Default false.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>No augmentation.</summary>
    public static AugmentationOptions None { get; } = new();

    /// <summary>The standard CIFAR/Fashion-MNIST recipe: 4-pixel padded random crop and horizontal flip.</summary>
    public static AugmentationOptions Standard { get; } = new() { RandomCropPadding = 4, HorizontalFlip = true };

    /// <summary>Whether any transformation is enabled.</summary>
    public bool IsEnabled => RandomCropPadding > 0 || HorizontalFlip;
}
