namespace ResNet.MLNet.Engine;

/// <summary>Checks that training and validation data fit together, with messages naming the mismatch.</summary>
internal static class TrainingDataChecks
{
    public static void CheckCompatible(ITrainingData train, ITrainingData? validation)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("the training data is empty");
        if (validation == null) return;
        if (validation.Channels != train.Channels || validation.Height != train.Height || validation.Width != train.Width)
            throw new ArgumentException($"validation images are {validation.Channels}x{validation.Height}x{validation.Width} " +
                                        $"but training images are {train.Channels}x{train.Height}x{train.Width}");
        if (validation.ClassCount != train.ClassCount)
            throw new ArgumentException($"validation data has {validation.ClassCount} classes but training data has {train.ClassCount}");
    }
}
