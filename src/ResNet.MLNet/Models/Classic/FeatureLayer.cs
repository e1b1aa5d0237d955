namespace ResNet.MLNet.Models.Classic;

/// <summary>One step of a classic network's feature extractor (<c>features.N</c>).</summary>
public abstract record FeatureLayer;

/// <summary>A convolution with bias, followed by ReLU (and BN before the ReLU when the network uses batch norm).</summary>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Kernel">Square kernel size.</param>
/// <param name="Stride">Stride.</param>
/// <param name="Padding">Zero padding on each side.</param>
public sealed record ConvLayer(int OutChannels, int Kernel, int Stride = 1, int Padding = 0) : FeatureLayer;

/// <summary>A max pooling step.</summary>
/// <param name="Kernel">Window size.</param>
/// <param name="Stride">Stride.</param>
public sealed record PoolLayer(int Kernel, int Stride) : FeatureLayer;
