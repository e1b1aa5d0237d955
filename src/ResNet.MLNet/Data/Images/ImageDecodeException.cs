namespace ResNet.MLNet.Data.Images;

/// <summary>An image that could not be read or decoded, or was refused by an <see cref="InputLimits"/> limit;
/// <see cref="ImageSource"/> names the file (or row) it came from.</summary>
public sealed class ImageDecodeException : InvalidInputException
{
    /// <summary>The file path, or a description of the row, of the image (the same as <see cref="InvalidInputException.InputName"/>).</summary>
    public string ImageSource => InputName;

    /// <summary>Creates the exception for the image from <paramref name="source"/>.</summary>
    public ImageDecodeException(string source, string reason, Exception? inner = null)
        : base(source, $"cannot decode image '{source}': {reason}", inner, prefixed: false) { }
}
