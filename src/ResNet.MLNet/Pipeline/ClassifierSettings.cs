using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Models;

namespace ResNet.MLNet;

/// <summary>What a fitted classifier needs to score, besides its weights; saved in the model manifest.</summary>
/// <param name="Architecture">The zoo architecture.</param>
/// <param name="Preprocessing">Image decoding, resizing and normalisation.</param>
/// <param name="ClassNames">Class names by class index (the label key values).</param>
/// <param name="ImageColumnName">The input image column.</param>
/// <param name="ScoreColumnName">The output probability column.</param>
/// <param name="PredictedLabelColumnName">The output predicted key column.</param>
/// <param name="ScoringBatchSize">Images per forward pass when scoring.</param>
public sealed record ClassifierSettings(ResNetArchitecture Architecture, ImagePreprocessing Preprocessing, IReadOnlyList<string> ClassNames,
    string ImageColumnName, string ScoreColumnName, string PredictedLabelColumnName, int ScoringBatchSize);
