namespace ResNet.MLNet;

/// <summary>A training image left out because it could not be read or decoded.</summary>
/// <param name="Source">Its path (or row).</param>
/// <param name="Reason">Why it could not be decoded.</param>
public sealed record SkippedImage(string Source, string Reason);
