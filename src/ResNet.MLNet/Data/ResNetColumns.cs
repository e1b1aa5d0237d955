namespace ResNet.MLNet.Data;

/// <summary>The column names ResNet.MLNet reads and writes by default: ML.NET's conventions (<c>Label</c>,
/// <c>Score</c>, <c>PredictedLabel</c>, <c>Features</c>) and the loaders' image columns. Every default column name of
/// the options, the loaders and the samples is one of these.</summary>
public static class ResNetColumns
{
    /// <summary>Image file paths (<c>LoadImagesFromDirectory</c>, CSV/TSV lists); the default image column.</summary>
    public const string ImagePath = "ImagePath";
    /// <summary>Planar float pixels in [0, 1] (<c>LoadFromIdx</c>, <c>LoadFromCifar10</c>).</summary>
    public const string Image = "Image";
    /// <summary>The class label (text from the loaders; a key after <c>MapValueToKey</c>).</summary>
    public const string Label = "Label";
    /// <summary>The class probabilities a classifier writes.</summary>
    public const string Score = "Score";
    /// <summary>The predicted class a classifier writes.</summary>
    public const string PredictedLabel = "PredictedLabel";
    /// <summary>The embedding a featurizer writes, the column ML.NET's trainers read.</summary>
    public const string Features = "Features";
}
