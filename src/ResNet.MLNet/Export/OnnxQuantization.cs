namespace ResNet.MLNet.Export;

/// <summary>
/// Static int8 quantization of an exported model (<see cref="OnnxExportOptions.Quantization"/>), in ONNX Runtime's
/// QDQ form: convolution and classifier weights as int8 (symmetric, one scale per output channel for convolutions),
/// biases as int32, and a QuantizeLinear/DequantizeLinear pair (uint8, one scale and zero point per tensor) on every
/// activation that a convolution, the classifier, a residual addition or a pooling reads. ONNX Runtime fuses the
/// pairs into its integer kernels (QLinearConv, QLinearAdd, QGemm; VNNI where the CPU has it). The activations'
/// ranges are the minimum and maximum seen on <see cref="CalibrationImages"/> (min–max calibration).
/// </summary>
/// <remarks>Quantization trades a little accuracy for speed: measure the agreement of the quantized model's
/// predictions with the float model's on held-out images before deploying it (docs/onnx.md gives the figures
/// measured on Fashion-MNIST).</remarks>
public sealed record OnnxQuantization
{
    /// <summary>Calibration images in the graph input's layout and units: (N, C, H, W) flattened, with the export's
    /// channels, height and width (pixels in [0, 1] when <see cref="OnnxExportOptions.Mean"/> is set, else what the
    /// network reads). A few hundred images drawn from the training data are typical. Required, at least one image.</summary>
    public required ReadOnlyMemory<float> CalibrationImages { get; init; }

    /// <summary>Images per ONNX Runtime call while calibrating. Every activation of a call is held at once (about
    /// 40 MB per 224-pixel image for resnet50), so keep it small for large images. Default 16.</summary>
    public int CalibrationBatchSize { get; init; } = 16;

    /// <summary>Threads ONNX Runtime uses while calibrating. Default <see cref="Environment.ProcessorCount"/>.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>The uint8 scale and zero point of an activation whose calibrated range is [<paramref name="min"/>,
    /// <paramref name="max"/>]: the range widened to include 0 (so that 0, the padding value, is exact) and spread
    /// over 0..255, as PyTorch's <c>MinMaxObserver</c> and ONNX Runtime's quantizer compute them.</summary>
    public static (float Scale, byte ZeroPoint) ActivationParameters(float min, float max)
    {
        const float levels = 255;
        // in float32 throughout, as both compute it: the zero point of [-1, 1] is 127, not 128
        float lo = Math.Min(0, min), hi = Math.Max(0, max);
        if (!(hi - lo > 0)) return (1f, 0);
        float scale = (hi - lo) / levels;
        return (scale, (byte)Math.Clamp(MathF.Round(-lo / scale, MidpointRounding.ToEven), 0, levels));
    }
}
