using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Export;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Pretrained;
using ResNet.MLNet.Pipeline;

namespace ResNet.MLNet;

/// <summary>
/// Turns images into the penultimate-layer embedding of a residual network (<c>ml.Transforms.ResNetFeaturizer</c>),
/// the role ML.NET's <c>DnnFeaturizeImage</c> plays: a known-size float vector that any ML.NET trainer consumes.
/// Fit trains nothing: it loads the network (pretrained weights or a trained classifier's), exports it without its
/// classifier to ONNX and returns a <see cref="ResNetFeaturizerTransformer"/> of stock ML.NET parts (image
/// preprocessing, <c>ApplyOnnxModel</c>), which <c>ml.Model.Save</c>/<c>Load</c> round-trip with no registration.
/// </summary>
public sealed class ResNetFeaturizerEstimator : IEstimator<ResNetFeaturizerTransformer>
{
    private readonly ResNetFeaturizerOptions _options;

    internal ResNetFeaturizerEstimator(ResNetFeaturizerOptions options)
    {
        options.Validate();
        _options = options;
    }

    /// <summary>The options.</summary>
    public ResNetFeaturizerOptions Options => _options;

    /// <summary>The length of the output vector.</summary>
    public int FeatureCount => ResNetZoo.Spec(((ResNetImageOptions?)_options.Classifier?.Options ?? _options).Architecture).FeatureWidth;

    /// <inheritdoc/>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        var o = _options.ImageOptions(_options.Mean, _options.Std);
        var image = inputSchema.FirstOrDefault(c => c.Name == o.ImageColumnName);
        if (image.Name == null) throw ColumnErrors.Missing("image", o.ImageColumnName, nameof(o.ImageColumnName), inputSchema.Select(c => c.Name));
        // SchemaShape.Column has no public constructor. ML.NET's own transforms describe the output: the preprocessing
        // gives the pixel column (a known-size float vector), and ApproximatedKernelMap, asked only for its schema,
        // a known-size float vector of FeatureCount values under the output name.
        var ml = new MLContext();
        var pixels = image.ItemType == NumberDataViewType.Single ? o.ImageColumnName : ChainColumns.Pixels;
        var kind = pixels == o.ImageColumnName ? ImageInputKind.Pixels
            : image.ItemType is TextDataViewType ? ImageInputKind.Path
            : image.ItemType == NumberDataViewType.Byte ? ImageInputKind.EncodedBytes : ImageInputKind.Image;
        var steps = ImageInput.Preprocessing(ml.Transforms, kind, o);
        var shape = steps?.GetOutputSchema(inputSchema) ?? inputSchema;
        var output = ml.Transforms.ApproximatedKernelMap(_options.OutputColumnName, pixels, rank: FeatureCount).GetOutputSchema(shape);
        var intermediate = ImageInput.IntermediateColumns(kind).Where(c => c != _options.OutputColumnName).ToArray();
        return intermediate.Length == 0 ? output : ml.Transforms.DropColumns(intermediate).GetOutputSchema(output);
    }

    /// <inheritdoc/>
    public ResNetFeaturizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var f = _options;
        PretrainedLoadReport? report = null;
        Models.ResNet model;
        ResNetImageOptions o;
        if (f.Classifier is { } classifier)
        {
            o = f.ImageOptions(null, null);
            model = classifier.LoadLibTorchModel();
        }
        else
        {
            var path = PretrainedSource.Resolve(f.Pretrained!, f.PretrainedSha256);
            var recorded = f.Mean == null && f.Std == null ? PretrainedSource.Normalisation(path, f.Channels) : null;
            o = f.ImageOptions(recorded?.Mean ?? f.Mean, recorded?.Std ?? f.Std);
            model = PretrainedNetwork.Create(f.Architecture, path, classCount: null, f.Channels, out var loaded);
            report = loaded;
        }
        byte[] onnx;
        ImageInputKind kind;
        using (model)
        {
            kind = ImageInput.Detect(input.Schema, o);
            model.Eval();
            onnx = OnnxExporter.Export(model, new OnnxExportOptions
            {
                InputName = ImageInput.PixelColumn(kind, o), Channels = o.Channels, Height = o.ImageSize, Width = o.ImageSize,
                Mean = o.EffectiveMean, Std = o.EffectiveStd, ProbabilitiesName = null, FeaturesName = f.OutputColumnName,
                Metadata = new Dictionary<string, string>
                {
                    ["architecture"] = o.Architecture.ToString(), ["weights"] = f.Pretrained ?? "trained classifier",
                    ["mean"] = System.Text.Json.JsonSerializer.Serialize(o.EffectiveMean), ["std"] = System.Text.Json.JsonSerializer.Serialize(o.EffectiveStd),
                    ["output"] = $"penultimate-layer features, {model.Spec.FeatureWidth} floats",
                    ["library"] = "ResNet.MLNet " + typeof(ResNetFeaturizerEstimator).Assembly.GetName().Version,
                },
            });
        }
        var ml = new MLContext();
        var preprocessing = ImageInput.Preprocessing(ml.Transforms, kind, o)?.Fit(input);
        var chain = ScoringChain.BuildFeaturizer(ml, input, preprocessing, kind, o, f.OutputColumnName, onnx);
        return new ResNetFeaturizerTransformer(chain, onnx, o.Architecture, FeatureCount, o.EffectiveMean, o.EffectiveStd, report);
    }
}
