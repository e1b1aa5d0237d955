using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using Microsoft.ML.Transforms.Image;
using ResNet.MLNet.Models;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>
/// Shared by the pipeline tests: an image-folder data set written by /usr/bin/python3 from the real Fashion-MNIST
/// files (PNG and JPEG, gray and RGB, mixed sizes) and one short-trained ResNet-20 in a real ML.NET pipeline
/// (4 classes, 16 px gray).
/// </summary>
public sealed class PipelineFixture : IDisposable
{
    /// <summary>Fashion-MNIST classes used: T-shirt/top, Trouser, Sneaker, Bag.</summary>
    public static readonly string[] ClassIndices = { "0", "1", "7", "8" };

    public const int TrainPerClass = 40, TestPerClass = 15, TrainingEpochs = 4;

    private readonly TempDir _dir = new();

    public string TrainFolder => Path.Combine(_dir.Path, "train");
    public string TestFolder => Path.Combine(_dir.Path, "test");
    public MLContext Context { get; } = new MLContext(seed: 1).UseResNetScoringDefaults();
    public TransformerChain<KeyToValueMappingTransformer> Model { get; }
    public ResNetClassifierTransformer Classifier => Model.OfType<ResNetClassifierTransformer>().Single();
    public IDataView Test => Context.Data.LoadImagesFromDirectory(TestFolder);

    public PipelineFixture()
    {
        PythonReference.Run("image_folder.py", new[] { TrainFolder, "train", TrainPerClass.ToString() }.Concat(ClassIndices).ToArray());
        PythonReference.Run("image_folder.py", new[] { TestFolder, "t10k", TestPerClass.ToString() }.Concat(ClassIndices).ToArray());
        Model = Pipeline(Context, TrainingEpochs).Fit(Context.Data.LoadImagesFromDirectory(TrainFolder));
    }

    /// <summary>The classifier options of the test pipeline: a ResNet-20 on small gray images.</summary>
    public static ResNetClassifierOptions Options(int epochs, int imageSize = 16) => new()
    {
        Architecture = ResNetArchitecture.ResNet20, ImageSize = imageSize, Channels = 1, Resizing = ImageResizingEstimator.ResizingKind.Fill,
        Epochs = epochs, BatchSize = 16, LearningRate = 0.05,
    };

    /// <summary>The test pipeline: key-map the label, the classifier, map the prediction back to text.</summary>
    public static EstimatorChain<KeyToValueMappingTransformer> Pipeline(MLContext ml, ResNetClassifierOptions options) =>
        ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.Transforms.ResNetClassifier(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    public static EstimatorChain<KeyToValueMappingTransformer> Pipeline(MLContext ml, int epochs, int imageSize = 16) => Pipeline(ml, Options(epochs, imageSize));

    /// <summary>Score and predicted label of every row, in order.</summary>
    public static List<ImagePrediction> Predictions(MLContext ml, IDataView scored) => ml.Data.CreateEnumerable<ImagePrediction>(scored, reuseRowObject: false).ToList();

    public void Dispose()
    {
        _dir.Dispose();
    }
}

[CollectionDefinition("Pipeline")]
public sealed class PipelineCollection : ICollectionFixture<PipelineFixture> { }

/// <summary>Typed input of the prediction engine (the chain starts with MapValueToKey("Label"), so Label is an input).</summary>
public sealed class ImageInput
{
    public string ImagePath { get; set; } = "";
    public string Label { get; set; } = "";
}

/// <summary>Typed output of the prediction engine.</summary>
public sealed class ImagePrediction
{
    public float[] Score { get; set; } = Array.Empty<float>();
    public string? PredictedLabel { get; set; }
}
