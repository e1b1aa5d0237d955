namespace ResNet.MLNet.Data.Images;

/// <summary>How an image is fitted to the model's input size (ML.NET's <c>ImageResizingEstimator.ResizingKind</c>).</summary>
public enum ResizingKind
{
    /// <summary>Stretch to the target size, ignoring the aspect ratio.</summary>
    Fill,
    /// <summary>Keep the aspect ratio, scale so the image covers the target, crop the centre.</summary>
    IsoCrop,
    /// <summary>Keep the aspect ratio, scale so the image fits inside the target, pad with black.</summary>
    IsoPad,
}
