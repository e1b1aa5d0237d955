namespace ResNet.MLNet;

/// <summary>The classifier's schema errors, worded once for the checks before and during Fit.</summary>
internal static class ColumnErrors
{
    /// <summary>The error for a column the options name but the data lacks (one wording for every check).</summary>
    public static ArgumentException Missing(string role, string name, string option, IEnumerable<string> columns) =>
        new($"the {role} column '{name}' is not in the data (columns: {string.Join(", ", columns)}); set ResNetClassifierOptions.{option}");

    /// <summary>The error for a label column that is not a key.</summary>
    public static ArgumentException NotAKey(string name, object type) =>
        new($"the label column '{name}' holds {type}, not keys: add ml.Transforms.Conversion.MapValueToKey(\"{name}\") before the classifier");
}
