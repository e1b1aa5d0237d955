namespace ResNet.MLNet;

/// <summary>The order in which <see cref="ValueToKeyMappingEstimator"/> numbers the values it finds.</summary>
public enum KeyOrdinality
{
    /// <summary>In order of first appearance (ML.NET's default).</summary>
    ByOccurrence,
    /// <summary>In ordinal string order.</summary>
    ByValue,
}
