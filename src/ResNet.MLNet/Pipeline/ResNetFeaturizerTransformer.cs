using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Pretrained;

namespace ResNet.MLNet;

/// <summary>
/// A residual network's penultimate-layer embedding in an ML.NET pipeline: adds a known-size float vector column
/// (<see cref="ResNetFeaturizerOptions.OutputColumnName"/>, default <c>Features</c>) computed by the network without
/// its classifier, exported to ONNX and run by ML.NET's <c>ApplyOnnxModel</c> after ML.NET's image transforms.
/// <c>ml.Model.Save</c> writes the stock chain; after <c>ml.Model.Load</c> the user holds that chain, which computes
/// the same features. Immutable; holds no native memory.
/// </summary>
public sealed class ResNetFeaturizerTransformer : ITransformer, ICanSaveModel
{
    private readonly ITransformer _chain;
    private readonly byte[] _onnx;

    internal ResNetFeaturizerTransformer(ITransformer chain, byte[] onnx, ResNetArchitecture architecture, int featureCount,
        IReadOnlyList<float> mean, IReadOnlyList<float> std, PretrainedLoadReport? pretrainedLoad)
    {
        _chain = chain;
        _onnx = onnx;
        Architecture = architecture;
        FeatureCount = featureCount;
        Mean = mean;
        Std = std;
        PretrainedLoad = pretrainedLoad;
    }

    /// <summary>The network.</summary>
    public ResNetArchitecture Architecture { get; }
    /// <summary>The length of the feature vector.</summary>
    public int FeatureCount { get; }
    /// <summary>The per-channel means the pixels are normalised with (baked into the ONNX graph).</summary>
    public IReadOnlyList<float> Mean { get; }
    /// <summary>The per-channel standard deviations.</summary>
    public IReadOnlyList<float> Std { get; }
    /// <summary>What was loaded from <see cref="ResNetImageOptions.Pretrained"/>; null for a trained classifier's network.</summary>
    public PretrainedLoadReport? PretrainedLoad { get; }
    /// <summary>The network without its classifier as an ONNX model: input planar pixels in [0, 1] (normalisation baked
    /// in), output the pooled features (N, <see cref="FeatureCount"/>).</summary>
    public ReadOnlyMemory<byte> OnnxModel => _onnx;
    /// <summary>The stock ML.NET chain that computes the features (and is saved).</summary>
    public ITransformer ScoringChain => _chain;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _chain.GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => _chain.Transform(input);

    /// <summary>Saves the stock chain (ML.NET calls this from <c>ml.Model.Save</c>).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)_chain).Save(ctx);
}
