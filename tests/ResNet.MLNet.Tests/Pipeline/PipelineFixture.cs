using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Models;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>
/// Shared by the pipeline tests: an image-folder data set written by /usr/bin/python3 from the real Fashion-MNIST
/// files (PNG and JPEG, gray and RGB, mixed sizes) and one short-trained ResNet-20 pipeline (4 classes, 16 px gray).
/// </summary>
public sealed class PipelineFixture : IDisposable
{
    /// <summary>Fashion-MNIST classes used: T-shirt/top, Trouser, Sneaker, Bag.</summary>
    public static readonly string[] ClassIndices = { "0", "1", "7", "8" };

    public const int TrainPerClass = 40, TestPerClass = 15, TrainingEpochs = 4;

    private readonly TempDir _dir = new();

    public string TrainFolder => Path.Combine(_dir.Path, "train");
    public string TestFolder => Path.Combine(_dir.Path, "test");
    public MLContext Context { get; } = new(seed: 1);
    public TransformerChain<KeyToValueMappingTransformer> Model { get; }
    public IReadOnlyList<Engine.EpochMetrics> Epochs => Classifier.History;
    public ResNetClassifierTransformer Classifier => (ResNetClassifierTransformer)Model[1];
    public long BaselineTensors { get; }

    public PipelineFixture()
    {
        PythonReference.Run("image_folder.py", new[] { TrainFolder, "train", TrainPerClass.ToString() }.Concat(ClassIndices).ToArray());
        PythonReference.Run("image_folder.py", new[] { TestFolder, "t10k", TestPerClass.ToString() }.Concat(ClassIndices).ToArray());
        BaselineTensors = Torch.TorchRuntime.LiveTensors;
        Model = Pipeline(Context, TrainingEpochs).Fit(Context.Data.LoadImagesFromDirectory(TrainFolder));
    }

    /// <summary>The test pipeline: key-map the label, a ResNet-20 on 28×28 gray images, map the prediction back to text.</summary>
    public static EstimatorChain<KeyToValueMappingTransformer> Pipeline(MLContext ml, int epochs, bool skipUndecodable = false, int imageSize = 16) =>
        ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: KeyOrdinality.ByValue)
            .Append(ml.Transforms.ResNetClassifier(new ResNetClassifierOptions
            {
                Architecture = ResNetArchitecture.ResNet20, ImageSize = imageSize, Channels = 1, Resizing = ResizingKind.Fill,
                Epochs = epochs, BatchSize = 16, LearningRate = 0.05, SkipUndecodableImages = skipUndecodable,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

    public void Dispose()
    {
        Model.Dispose();
        _dir.Dispose();
    }
}

[CollectionDefinition("Pipeline")]
public sealed class PipelineCollection : ICollectionFixture<PipelineFixture> { }

/// <summary>Typed input of the prediction engine.</summary>
public sealed class ImageInput
{
    public string ImagePath { get; set; } = "";
}

/// <summary>Typed output of the prediction engine.</summary>
public sealed class ImagePrediction
{
    public float[] Score { get; set; } = Array.Empty<float>();
    public string? PredictedLabel { get; set; }
}
