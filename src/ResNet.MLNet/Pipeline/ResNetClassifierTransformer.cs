using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Pretrained;

namespace ResNet.MLNet;

/// <summary>
/// A trained residual network in an ML.NET pipeline: adds <c>Score</c> (softmax probabilities, a known-size float
/// vector) and <c>PredictedLabel</c> (a key whose values are the training label's values). Scoring runs the network
/// exported to ONNX through ML.NET's <c>ApplyOnnxModel</c> (ONNX Runtime), after ML.NET's own image transforms, so it
/// needs neither libtorch nor this library's native code. <c>ml.Model.Save</c> writes the stock chain; after
/// <c>ml.Model.Load</c> the user holds that chain (a <c>TransformerChain</c>), which scores identically.
/// Immutable, and holds no native memory (the weights are kept as managed bytes), so nothing needs disposing.
/// </summary>
public sealed class ResNetClassifierTransformer : ITransformer, ICanSaveModel
{
    private readonly ITransformer _scoring;
    private readonly byte[] _onnx;
    private readonly byte[] _weights;
    private readonly int _channels;

    internal ResNetClassifierTransformer(ITransformer scoring, byte[] weights, ResNetClassifierOptions options, byte[] onnx,
        IReadOnlyList<string> classNames, IReadOnlyDictionary<string, string> trainingOptions, IReadOnlyList<EpochMetrics> history,
        IReadOnlyList<SkippedImage> skipped, PretrainedLoadReport? pretrainedLoad)
    {
        _scoring = scoring;
        _onnx = onnx;
        _weights = weights;
        _channels = options.Channels;
        Options = options;
        Architecture = options.Architecture;
        ClassNames = classNames;
        TrainingOptions = trainingOptions;
        History = history;
        SkippedImages = skipped;
        PretrainedLoad = pretrainedLoad;
    }

    /// <summary>The options it was trained with, normalisation resolved (what a featurizer of this network reuses).</summary>
    internal ResNetClassifierOptions Options { get; }

    /// <summary>The per-channel means the network's input is normalised with (given, recorded in the pretrained
    /// weights, or the default; baked into <see cref="OnnxModel"/>).</summary>
    public IReadOnlyList<float> Mean => Options.EffectiveMean;
    /// <summary>The per-channel standard deviations (see <see cref="Mean"/>).</summary>
    public IReadOnlyList<float> Std => Options.EffectiveStd;

    /// <summary>What was loaded from <see cref="ResNetImageOptions.Pretrained"/> (loaded, unexpected and renamed
    /// keys, the head kept fresh, adapted input channels); null when trained from scratch.</summary>
    public PretrainedLoadReport? PretrainedLoad { get; }

    /// <summary>The trained weights as safetensors bytes (torchvision parameter names; the metadata records the input
    /// normalisation, so they serve as <see cref="ResNetImageOptions.Pretrained"/> weights as they are).</summary>
    public ReadOnlyMemory<byte> Weights => _weights;

    /// <summary>A new libtorch copy of the trained network (CPU, evaluation mode) for libtorch scoring
    /// (<see cref="Engine.Scorer"/>) or further training; the caller owns and disposes it.</summary>
    public Models.ResNet LoadLibTorchModel()
    {
        var model = ResNetZoo.Create(Architecture, ClassNames.Count, _channels);
        try
        {
            var state = Torch.Serialization.SafeTensors.Load(new MemoryStream(_weights, writable: false), "trained weights");
            try { model.LoadStateDict(state); }
            finally { foreach (var t in state.Values) t.Dispose(); }
            model.Eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
    /// <summary>The architecture.</summary>
    public ResNetArchitecture Architecture { get; }
    /// <summary>The class names (the label's key values as text), by class index.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The training settings (also in the ONNX graph's metadata).</summary>
    public IReadOnlyDictionary<string, string> TrainingOptions { get; }
    /// <summary>Per-epoch training metrics.</summary>
    public IReadOnlyList<EpochMetrics> History { get; }
    /// <summary>Training images left out because they could not be decoded (with <see cref="ResNetClassifierOptions.SkipUndecodableImages"/>).</summary>
    public IReadOnlyList<SkippedImage> SkippedImages { get; }
    /// <summary>The stock ML.NET chain that scores (and is saved).</summary>
    public ITransformer ScoringChain => _scoring;
    /// <summary>The network as an ONNX model: input planar pixels in [0, 1] (normalisation baked in), outputs the
    /// probabilities and the arg-max; metadata holds the architecture, class names, preprocessing and training options.</summary>
    public ReadOnlyMemory<byte> OnnxModel => _onnx;

    /// <summary>Writes <see cref="OnnxModel"/> to <paramref name="path"/> (atomically).</summary>
    public void ExportOnnx(string path)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, _onnx);
        File.Move(temporary, path, overwrite: true);
    }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _scoring.IsRowToRowMapper;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _scoring.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _scoring.GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _scoring.Transform(input);

    /// <summary>Saves the stock scoring chain (ML.NET calls this from <c>ml.Model.Save</c>).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)_scoring).Save(ctx);
}
