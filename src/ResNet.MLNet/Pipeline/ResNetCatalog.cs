using Microsoft.ML;
using Microsoft.ML.Transforms.Onnx;
using ResNet.MLNet.Data;
using ResNet.MLNet.Data.Sources;

namespace ResNet.MLNet;

/// <summary>
/// The library's entry points on ML.NET's catalogs: <c>ml.Transforms.ResNetClassifier(...)</c>,
/// <c>ml.Transforms.ResNetFeaturizer(...)</c>, the data loaders ML.NET
/// lacks (<c>ml.Data.LoadImagesFromDirectory</c>, <c>LoadFromIdx</c>, <c>LoadFromCifar10</c>) and
/// <c>ml.UseResNetScoringDefaults()</c>, which tunes ONNX Runtime for models loaded with <c>ml.Model.Load</c>.
/// </summary>
public static class ResNetCatalog
{
    /// <summary>A residual-network image classifier trained on the image and key label columns named in
    /// <paramref name="options"/>; adds <c>Score</c> (softmax probabilities) and <c>PredictedLabel</c> (a key).</summary>
    public static ResNetClassifierEstimator ResNetClassifier(this TransformsCatalog catalog, ResNetClassifierOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new ResNetClassifierEstimator(options ?? new ResNetClassifierOptions());
    }

    /// <summary>The penultimate-layer embedding of a residual network (pretrained weights or a trained classifier's
    /// network) as a known-size float vector column, default <c>Features</c>, for any ML.NET trainer (the role of
    /// ML.NET's <c>DnnFeaturizeImage</c>). Saved and loaded with <c>ml.Model.Save</c>/<c>Load</c> like the classifier.</summary>
    public static ResNetFeaturizerEstimator ResNetFeaturizer(this TransformsCatalog catalog, ResNetFeaturizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new ResNetFeaturizerEstimator(options);
    }

    /// <summary>The embedding of <paramref name="classifier"/>'s trained network (its preprocessing reused) as
    /// <paramref name="outputColumnName"/>, read from <paramref name="imageColumnName"/>.</summary>
    public static ResNetFeaturizerEstimator ResNetFeaturizer(this TransformsCatalog catalog, ResNetClassifierTransformer classifier,
        string outputColumnName = ResNetColumns.Features, string imageColumnName = ResNetColumns.ImagePath) =>
        catalog.ResNetFeaturizer(new ResNetFeaturizerOptions { Classifier = classifier, OutputColumnName = outputColumnName, ImageColumnName = imageColumnName });

    /// <summary>
    /// The image preprocessing a <see cref="ResNetClassifier"/> with <paramref name="options"/> runs (while training and
    /// inside its saved model) for an image column of <paramref name="kind"/>: ML.NET's own image transforms ending in
    /// the column <see cref="Pipeline.ChainColumns.Pixels"/>, planar pixels in [0, 1] (before the normalisation the ONNX
    /// graph applies). Useful to feed the exported ONNX model or a libtorch copy exactly the pixels the classifier sees.
    /// </summary>
    public static IEstimator<ITransformer> ResNetImagePreprocessing(this TransformsCatalog catalog, ResNetClassifierOptions options,
        ImageInputKind kind = ImageInputKind.Path)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options.Validate();
        return ImageInput.Preprocessing(catalog, kind, options)
            ?? throw new ArgumentException("a pixel column needs no preprocessing: it is the network's input as it is");
    }

    /// <summary>A folder-per-class image set: columns <c>ImagePath</c> and <c>Label</c> (the parent folder's name).</summary>
    public static IDataView LoadImagesFromDirectory(this DataOperationsCatalog catalog, string folder, bool useFolderNameAsLabel = true) =>
        ImageFolderSource.Load(catalog, folder, useFolderNameAsLabel);

    /// <summary>An IDX image/label file pair (MNIST, Fashion-MNIST): columns <c>Image</c> (gray pixels in [0, 1], shape
    /// 1×H×W) and <c>Label</c> (class name; default the label number).</summary>
    public static IDataView LoadFromIdx(this DataOperationsCatalog catalog, string imagesPath, string labelsPath, IReadOnlyList<string>? classNames = null) =>
        IdxSource.Load(catalog, imagesPath, labelsPath, classNames);

    /// <summary>CIFAR-10 binary batch files: columns <c>Image</c> (RGB in [0, 1], shape 3×32×32) and <c>Label</c> (class name).</summary>
    public static IDataView LoadFromCifar10(this DataOperationsCatalog catalog, params string[] batchFiles) =>
        Cifar10Source.Load(catalog, batchFiles);

    /// <summary>
    /// Checks, before <c>ml.MulticlassClassification.Evaluate</c>, that every label in <paramref name="data"/> is one of
    /// the classes <paramref name="model"/> was trained on, and throws <see cref="InvalidDataException"/> naming the first
    /// row (and its <paramref name="sourceColumnName"/> value, e.g. the image path) that is not. ML.NET maps an unseen
    /// label to a missing key and its <c>Evaluate</c> leaves such rows out without a word.
    /// </summary>
    public static void CheckLabelsKnown(this DataOperationsCatalog catalog, IDataView data, ITransformer model,
        string labelColumnName = ResNetColumns.Label, string? sourceColumnName = ResNetColumns.ImagePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        LabelKeys.CheckKnown(data, model, labelColumnName, sourceColumnName);
    }

    /// <summary>
    /// Sets ONNX Runtime's session options on <paramref name="context"/> for every ONNX model it applies or loads
    /// afterwards: <paramref name="threads"/> intra-op threads (default: all cores), one inter-op thread, full graph
    /// optimisation, warnings off. ML.NET's defaults score a ResNet about 2× slower here, and the thread settings are
    /// not stored in a saved model zip, so call this before <c>ml.Model.Load</c>.
    /// </summary>
    public static MLContext UseResNetScoringDefaults(this MLContext context, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.SetOnnxSessionOption(OnnxScoringSettings.SessionOptions(threads));
        return context;
    }
}
