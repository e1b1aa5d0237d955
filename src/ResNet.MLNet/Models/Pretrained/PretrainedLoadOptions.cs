namespace ResNet.MLNet.Models.Pretrained;

/// <summary>What to do with the checkpoint's classifier head (<c>fc.weight</c>, <c>fc.bias</c>).</summary>
public enum ClassifierHeadPolicy
{
    /// <summary>Keep the model's freshly initialised head when the checkpoint's head has another shape (another
    /// class count); load it when the shapes agree. The usual choice for transfer learning.</summary>
    SkipIfShapeDiffers,
    /// <summary>Never load the head: the model keeps its freshly initialised classifier.</summary>
    Skip,
    /// <summary>Load the head like any other tensor; a different shape is reported as a mismatch.</summary>
    Load,
}

/// <summary>Options of <see cref="PretrainedWeights"/>'s loading methods.</summary>
public sealed class PretrainedLoadOptions
{
    /// <summary>The classifier head policy. Default: <see cref="ClassifierHeadPolicy.SkipIfShapeDiffers"/>.</summary>
    public ClassifierHeadPolicy ClassifierHead { get; init; } = ClassifierHeadPolicy.SkipIfShapeDiffers;

    /// <summary>The dotted prefix of the classifier head's keys. Default: <c>fc.</c> (torchvision and timm ResNets).</summary>
    public string ClassifierPrefix { get; init; } = "fc.";

    /// <summary>
    /// When true, any missing, unexpected or mis-shaped key (other than a skipped head) is an error and the model is
    /// left unchanged. When false (the default) whatever matches is loaded and the rest is listed in the report.
    /// </summary>
    public bool Strict { get; init; }

    /// <summary>
    /// When the model's first convolution takes another number of input channels than the checkpoint's (e.g. 1 for
    /// grayscale images, 3 in ImageNet weights), derive its weights as timm does: summed over the RGB channels for one
    /// channel, else the RGB weights repeated and scaled by 3 / channels. Default: true.
    /// </summary>
    public bool AdaptInputChannels { get; init; } = true;
}
