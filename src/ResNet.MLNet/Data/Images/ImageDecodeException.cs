namespace ResNet.MLNet.Data.Images;

/// <summary>An image that could not be read or decoded; <see cref="ImageSource"/> names the file (or row) it came from.</summary>
public sealed class ImageDecodeException : Exception
{
    /// <summary>The file path, or a description of the row, of the image.</summary>
    public string ImageSource { get; }

    /// <summary>Creates the exception for the image from <paramref name="source"/>.</summary>
    public ImageDecodeException(string source, string reason, Exception? inner = null)
        : base($"cannot decode image '{source}': {reason}", inner) => ImageSource = source;
}
