using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Onnx;
using ResNet.MLNet.Pipeline;

namespace ResNet.MLNet;

/// <summary>
/// The fitted classifier as stock ML.NET parts, which is what <c>ml.Model.Save</c> writes and <c>ml.Model.Load</c>
/// reads back with no registration: the image preprocessing, <c>ApplyOnnxModel</c> (probabilities and arg-max),
/// a one-line custom mapping to a scalar index, <c>MapValue</c> to a key with the label's values, and
/// <c>DropColumns</c> of the intermediate columns.
/// </summary>
internal static class ScoringChain
{
    public static ITransformer Build(MLContext ml, IDataView input, ITransformer? preprocessing, ImageInputKind kind,
        ResNetClassifierOptions o, LabelKeys keys, byte[] onnx)
    {
        ml.SetOnnxSessionOption(OnnxScoringSettings.SessionOptions(o.ScoringThreads));
        var pixels = ImageInput.PixelColumn(kind, o);
        var shapes = new Dictionary<string, int[]> { [pixels] = new[] { 1, o.Channels, o.ImageSize, o.ImageSize } };
        var intermediate = ImageInput.IntermediateColumns(kind).Concat(new[] { ChainColumns.PredictedIndex, ChainColumns.PredictedClass })
            .Where(c => c != o.ScoreColumnName && c != o.PredictedLabelColumnName).ToArray();
        var network = ml.Transforms.ApplyOnnxModel(new[] { o.ScoreColumnName, ChainColumns.PredictedIndex }, new[] { pixels },
                new MemoryStream(onnx, writable: false), shapes, gpuDeviceId: null, fallbackToCpu: false)
            .Append(ml.Transforms.CustomMapping(new PredictedIndexMapping().GetMapping(), PredictedIndexMapping.ContractName))
            .Append(keys.MapIndexToKey(ml, o.PredictedLabelColumnName, ChainColumns.PredictedClass))
            .Append(ml.Transforms.DropColumns(intermediate));
        // The stock steps fit on the schema alone; no row is read.
        var fitted = network.Fit(preprocessing?.Transform(input) ?? input);
        return preprocessing == null ? fitted : new TransformerChain<ITransformer>(preprocessing, fitted);
    }
}
