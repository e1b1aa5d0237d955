using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using ResNet.MLNet.Pipeline;

namespace ResNet.MLNet;

/// <summary>
/// The fitted classifier (and featurizer) as stock ML.NET parts, which is what <c>ml.Model.Save</c> writes and <c>ml.Model.Load</c>
/// reads back with no registration: the image preprocessing, <c>ApplyOnnxModel</c> (probabilities and arg-max),
/// a one-line custom mapping to a scalar index, <c>MapValue</c> to a key with the label's values, and
/// <c>DropColumns</c> of the intermediate columns.
/// </summary>
internal static class ScoringChain
{
    public static ITransformer Build(MLContext ml, IDataView input, ITransformer? preprocessing, ImageInputKind kind,
        ResNetClassifierOptions o, LabelKeys keys, byte[] onnx)
    {
        var intermediate = ImageInput.IntermediateColumns(kind).Concat(new[] { ChainColumns.PredictedIndex, ChainColumns.PredictedClass })
            .Where(c => c != o.ScoreColumnName && c != o.PredictedLabelColumnName).ToArray();
        var network = ApplyNetwork(ml, kind, o, onnx, o.ScoreColumnName, ChainColumns.PredictedIndex)
            .Append(ml.Transforms.CustomMapping(new PredictedIndexMapping().GetMapping(), PredictedIndexMapping.ContractName))
            .Append(keys.MapIndexToKey(ml, o.PredictedLabelColumnName, ChainColumns.PredictedClass))
            .Append(ml.Transforms.DropColumns(intermediate));
        return Fit(network, input, preprocessing);
    }

    /// <summary>The fitted featurizer as stock parts: the image preprocessing, <c>ApplyOnnxModel</c> (the pooled
    /// features as <paramref name="outputColumnName"/>) and <c>DropColumns</c> of the intermediate columns.</summary>
    public static ITransformer BuildFeaturizer(MLContext ml, IDataView input, ITransformer? preprocessing, ImageInputKind kind,
        ResNetImageOptions o, string outputColumnName, byte[] onnx)
    {
        var intermediate = ImageInput.IntermediateColumns(kind).Where(c => c != outputColumnName).ToArray();
        var network = ApplyNetwork(ml, kind, o, onnx, outputColumnName);
        IEstimator<ITransformer> steps = intermediate.Length == 0 ? network : network.Append(ml.Transforms.DropColumns(intermediate));
        return Fit(steps, input, preprocessing);
    }

    private static EstimatorChain<OnnxTransformer> ApplyNetwork(MLContext ml, ImageInputKind kind, ResNetImageOptions o, byte[] onnx, params string[] outputs)
    {
        ml.SetOnnxSessionOption(OnnxScoringSettings.SessionOptions(o.ScoringThreads));
        var pixels = ImageInput.PixelColumn(kind, o);
        var shapes = new Dictionary<string, int[]> { [pixels] = new[] { 1, o.Channels, o.ImageSize, o.ImageSize } };
        return new EstimatorChain<OnnxTransformer>().Append(ml.Transforms.ApplyOnnxModel(outputs, new[] { pixels },
            new MemoryStream(onnx, writable: false), shapes, gpuDeviceId: null, fallbackToCpu: false));
    }

    private static ITransformer Fit(IEstimator<ITransformer> network, IDataView input, ITransformer? preprocessing)
    {
        // The stock steps fit on the schema alone; no row is read.
        var fitted = network.Fit(preprocessing?.Transform(input) ?? input);
        return preprocessing == null ? fitted : new TransformerChain<ITransformer>(preprocessing, fitted);
    }
}
