namespace ResNet.MLNet;

/// <summary>How <see cref="ResNetImageOptions.Pretrained"/> weights are trained on the user's classes (a new
/// classifier head replaces the checkpoint's in both).</summary>
public enum FineTuningMode
{
    /// <summary>The backbone stays exactly as pretrained (parameters and BN statistics); every image's pooled features
    /// are computed once and cached, and only the new head trains on them. Fast (one forward pass per image, then a
    /// linear model), robust with few images; no augmentation. ML.NET's image classifier works this way.</summary>
    FrozenBackbone,
    /// <summary>The whole network trains: the new head at <see cref="ResNetClassifierOptions.LearningRate"/>, the
    /// backbone at that rate times <see cref="ResNetClassifierOptions.BackboneLearningRateMultiplier"/>. Slower (a
    /// forward and backward pass per image and epoch), usually more accurate when the new images differ from the
    /// pretraining ones; augmentation applies.</summary>
    FineTune,
}
