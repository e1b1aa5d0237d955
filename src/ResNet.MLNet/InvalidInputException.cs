namespace ResNet.MLNet;

/// <summary>
/// The one exception for input that cannot be used: a corrupt, truncated or hostile file, or one over an
/// <see cref="InputLimits"/> limit. <see cref="InputName"/> names the file (or the row, for in-memory values), and the
/// message starts with it. It is an <see cref="IOException"/>, as the framework's own file errors are.
/// </summary>
public class InvalidInputException : IOException
{
    /// <summary>The file path (or the description of a row or in-memory value) the bad input came from.</summary>
    public string InputName { get; }

    /// <summary>Creates the exception: the message is "<paramref name="inputName"/>: <paramref name="reason"/>".</summary>
    public InvalidInputException(string inputName, string reason, Exception? inner = null)
        : this(inputName, reason, inner, prefixed: true) { }

    /// <summary>For derived types that word the message themselves (it must still name <paramref name="inputName"/>).</summary>
    protected InvalidInputException(string inputName, string message, Exception? inner, bool prefixed)
        : base(prefixed ? $"{inputName}: {message}" : message, inner) => InputName = inputName;
}
