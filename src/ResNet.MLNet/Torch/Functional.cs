using ResNet.MLNet.Native;

namespace ResNet.MLNet.Torch;

/// <summary>Loss reductions, as <c>torch.nn.functional</c>'s <c>reduction</c> argument.</summary>
public enum Reduction
{
    /// <summary>One value per sample.</summary>
    None = 0,
    /// <summary>The mean over samples.</summary>
    Mean = 1,
    /// <summary>The sum over samples.</summary>
    Sum = 2,
}

/// <summary>Stateless neural-network operations (the counterpart of <c>torch.nn.functional</c>).</summary>
public static class F
{
    /// <summary>2-D convolution of an (N, C, H, W) input.</summary>
    public static unsafe Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1)
    {
        long* s = stackalloc long[] { stride, stride };
        long* p = stackalloc long[] { padding, padding };
        long* d = stackalloc long[] { dilation, dilation };
        return Tensor.From(NativeMethods.rn_conv2d(input.H, weight.H, Tensor.HandleOrNull(bias), s, p, d, groups, out var r), r);
    }

    /// <summary>Batch normalisation; in training it normalises with batch statistics and updates the running ones in place.</summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias, bool training, double momentum = 0.1, double eps = 1e-5) =>
        Tensor.From(NativeMethods.rn_batch_norm(input.H, Tensor.HandleOrNull(weight), Tensor.HandleOrNull(bias),
            Tensor.HandleOrNull(runningMean), Tensor.HandleOrNull(runningVar), training ? 1 : 0, momentum, eps, out var r), r);

    /// <summary>2-D max pooling.</summary>
    public static unsafe Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    {
        long st = stride ?? kernelSize;
        long* k = stackalloc long[] { kernelSize, kernelSize };
        long* s = stackalloc long[] { st, st };
        long* p = stackalloc long[] { padding, padding };
        long* d = stackalloc long[] { dilation, dilation };
        return Tensor.From(NativeMethods.rn_max_pool2d(input.H, k, s, p, d, ceilMode ? 1 : 0, out var r), r);
    }

    /// <summary>2-D average pooling.</summary>
    public static unsafe Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
    {
        long st = stride ?? kernelSize;
        long* k = stackalloc long[] { kernelSize, kernelSize };
        long* s = stackalloc long[] { st, st };
        long* p = stackalloc long[] { padding, padding };
        return Tensor.From(NativeMethods.rn_avg_pool2d(input.H, k, s, p, ceilMode ? 1 : 0, countIncludePad ? 1 : 0, out var r), r);
    }

    /// <summary>Average pooling to a fixed output size.</summary>
    public static unsafe Tensor AdaptiveAvgPool2d(Tensor input, int outputHeight, int outputWidth)
    {
        long* o = stackalloc long[] { outputHeight, outputWidth };
        return Tensor.From(NativeMethods.rn_adaptive_avg_pool2d(input.H, o, out var r), r);
    }

    /// <summary><c>input · weightᵀ + bias</c>.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) =>
        Tensor.From(NativeMethods.rn_linear(input.H, weight.H, Tensor.HandleOrNull(bias), out var r), r);

    /// <summary>Zeroes elements with probability <paramref name="p"/> in training (scaled by 1/(1-p)).</summary>
    public static Tensor Dropout(Tensor input, double p, bool training) =>
        Tensor.From(NativeMethods.rn_dropout(input.H, p, training ? 1 : 0, out var r), r);

    /// <summary>Cross-entropy of (N, classes) logits against int64 class indices, with optional label smoothing.</summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean, double labelSmoothing = 0) =>
        Tensor.From(NativeMethods.rn_cross_entropy(logits.H, target.H, (int)reduction, labelSmoothing, out var r), r);

    /// <summary>Negative log-likelihood of (N, classes) log-probabilities against int64 class indices.</summary>
    public static Tensor NllLoss(Tensor logProbabilities, Tensor target, Reduction reduction = Reduction.Mean) =>
        Tensor.From(NativeMethods.rn_nll_loss(logProbabilities.H, target.H, (int)reduction, out var r), r);
}
