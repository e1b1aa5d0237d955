namespace ResNet.MLNet.Torch.Modules;

/// <summary>2-D convolution (<c>torch.nn.Conv2d</c>): parameters <c>weight</c> (out, in/groups, k, k) and optional <c>bias</c>.</summary>
public sealed class Conv2d : Module
{
    /// <summary>The kernel weights.</summary>
    public Tensor Weight { get; }
    /// <summary>The bias, or null.</summary>
    public Tensor? Bias { get; private set; }
    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Square kernel size.</summary>
    public int KernelSize { get; }
    /// <summary>Stride.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on each side.</summary>
    public int Padding { get; }
    /// <summary>Dilation.</summary>
    public int Dilation { get; }
    /// <summary>Groups.</summary>
    public int Groups { get; }

    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || groups <= 0)
            throw new ArgumentException($"invalid Conv2d({inChannels}, {outChannels}, kernel {kernelSize}, stride {stride}, groups {groups})");
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"Conv2d channels {inChannels}->{outChannels} are not divisible by groups {groups}");
        (InChannels, OutChannels, KernelSize, Stride, Padding, Dilation, Groups) = (inChannels, outChannels, kernelSize, stride, padding, dilation, groups);
        var shape = new long[] { outChannels, inChannels / groups, kernelSize, kernelSize };
        Weight = RegisterParameter("weight", Tensor.Empty(shape));
        Init.KaimingUniform(Weight, Math.Sqrt(5));
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Empty(new long[] { outChannels }));
            Init.DefaultBias(Bias, shape);
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);

    /// <summary>Sets the bias to a copy of <paramref name="bias"/>, adding the parameter where the layer has none
    /// (a batch norm folded into the layer).</summary>
    internal void SetBias(Tensor bias)
    {
        if (Bias != null) Bias.SetData(bias.Clone());
        else Bias = RegisterParameter("bias", bias.Clone());
    }
}

/// <summary>
/// Batch normalisation over channels (<c>torch.nn.BatchNorm2d</c>): parameters <c>weight</c> (γ) and <c>bias</c> (β),
/// buffers <c>running_mean</c>, <c>running_var</c> and <c>num_batches_tracked</c>.
/// </summary>
public sealed class BatchNorm2d : Module
{
    /// <summary>γ.</summary>
    public Tensor Weight { get; }
    /// <summary>β.</summary>
    public Tensor Bias { get; }
    /// <summary>Running mean of the batch means.</summary>
    public Tensor RunningMean { get; }
    /// <summary>Running (unbiased) variance.</summary>
    public Tensor RunningVar { get; }
    /// <summary>Number of training batches seen.</summary>
    public Tensor NumBatchesTracked { get; }
    /// <summary>Channels.</summary>
    public int NumFeatures { get; }
    /// <summary>Running statistics update rate.</summary>
    public double Momentum { get; }
    /// <summary>Added to the variance.</summary>
    public double Eps { get; }

    /// <summary>Creates the layer with γ = 1, β = 0, running mean 0 and variance 1.</summary>
    public BatchNorm2d(int numFeatures, double eps = 1e-5, double momentum = 0.1)
    {
        if (numFeatures <= 0) throw new ArgumentException($"BatchNorm2d needs a positive channel count, got {numFeatures}");
        (NumFeatures, Eps, Momentum) = (numFeatures, eps, momentum);
        var shape = new long[] { numFeatures };
        Weight = RegisterParameter("weight", Tensor.Ones(shape));
        Bias = RegisterParameter("bias", Tensor.Zeros(shape));
        RunningMean = RegisterBuffer("running_mean", Tensor.Zeros(shape));
        RunningVar = RegisterBuffer("running_var", Tensor.Ones(shape));
        NumBatchesTracked = RegisterBuffer("num_batches_tracked", Tensor.Zeros(Array.Empty<long>(), DType.Int64));
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var output = IsTraining && Distributed.SyncBatchNormScope.Current is { } group
            ? group.SyncBatchNorm(input, RunningMean, RunningVar, Weight, Bias, Momentum, Eps)
            : F.BatchNorm(input, RunningMean, RunningVar, Weight, Bias, IsTraining, Momentum, Eps);
        if (IsTraining)
        {
            using (Autograd.NoGrad()) NumBatchesTracked.AddInPlace(1);
        }
        return output;
    }
}

/// <summary>Fully connected layer (<c>torch.nn.Linear</c>): <c>weight</c> (out, in) and optional <c>bias</c>.</summary>
public sealed class Linear : Module
{
    /// <summary>The weight matrix.</summary>
    public Tensor Weight { get; }
    /// <summary>The bias, or null.</summary>
    public Tensor? Bias { get; }
    /// <summary>Input features.</summary>
    public int InFeatures { get; }
    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>Creates the layer with PyTorch's default initialisation.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true)
    {
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentException($"invalid Linear({inFeatures}, {outFeatures})");
        (InFeatures, OutFeatures) = (inFeatures, outFeatures);
        var shape = new long[] { outFeatures, inFeatures };
        Weight = RegisterParameter("weight", Tensor.Empty(shape));
        Init.KaimingUniform(Weight, Math.Sqrt(5));
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Empty(new long[] { outFeatures }));
            Init.DefaultBias(Bias, shape);
        }
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.Linear(input, Weight, Bias);
}

/// <summary>max(x, 0); in place by default, as torchvision's ResNet uses it.</summary>
public sealed class ReLU : Module
{
    /// <summary>Whether the input is overwritten.</summary>
    public bool InPlace { get; }

    /// <summary>Creates the activation.</summary>
    public ReLU(bool inPlace = false) => InPlace = inPlace;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => InPlace ? input.ReluInPlace() : input.Relu();
}

/// <summary>2-D max pooling.</summary>
public sealed class MaxPool2d : Module
{
    /// <summary>The square window's side.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows.</summary>
    public int Stride { get; }

    /// <summary>Implicit padding on each side (with −∞).</summary>
    public int Padding { get; }

    /// <summary>Creates the layer (the stride defaults to the kernel size).</summary>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0) => (KernelSize, Stride, Padding) = (kernelSize, stride ?? kernelSize, padding);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.MaxPool2d(input, KernelSize, Stride, Padding);
}

/// <summary>2-D average pooling.</summary>
public sealed class AvgPool2d : Module
{
    /// <summary>The square window's side.</summary>
    public int KernelSize { get; }

    /// <summary>The step between windows.</summary>
    public int Stride { get; }

    /// <summary>Implicit zero padding on each side.</summary>
    public int Padding { get; }

    /// <summary>Rounds the output size up, so windows that start inside the input but run past it count.</summary>
    public bool CeilMode { get; }

    /// <summary>Divides by the whole window, padding included, rather than by the pixels inside the input.</summary>
    public bool CountIncludePad { get; }

    /// <summary>Creates the layer (the stride defaults to the kernel size).</summary>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true) =>
        (KernelSize, Stride, Padding, CeilMode, CountIncludePad) = (kernelSize, stride ?? kernelSize, padding, ceilMode, countIncludePad);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad);
}

/// <summary>Average pooling to a fixed output size.</summary>
public sealed class AdaptiveAvgPool2d : Module
{
    /// <summary>The output's height.</summary>
    public int OutputHeight { get; }

    /// <summary>The output's width.</summary>
    public int OutputWidth { get; }

    /// <summary>Creates the layer.</summary>
    public AdaptiveAvgPool2d(int height, int width) => (OutputHeight, OutputWidth) = (height, width);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.AdaptiveAvgPool2d(input, OutputHeight, OutputWidth);
}

/// <summary>Flattens dimensions <c>start..end</c>.</summary>
public sealed class Flatten : Module
{
    /// <summary>The first dimension merged (negative counts from the end).</summary>
    public int StartDim { get; }

    /// <summary>The last dimension merged (negative counts from the end).</summary>
    public int EndDim { get; }

    /// <summary>Creates the layer (default: keep the batch dimension).</summary>
    public Flatten(int start = 1, int end = -1) => (StartDim, EndDim) = (start, end);

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input.Flatten(StartDim, EndDim);
}

/// <summary>Dropout.</summary>
public sealed class Dropout : Module
{
    /// <summary>The probability of zeroing an element in training mode.</summary>
    public double P { get; }

    /// <summary>Creates the layer.</summary>
    public Dropout(double p = 0.5) => P = p;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => F.Dropout(input, P, IsTraining);
}

/// <summary>Returns its input.</summary>
public sealed class Identity : Module
{
    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => input;
}

/// <summary>Children applied in order, named "0", "1", ... (<c>torch.nn.Sequential</c>).</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> _layers = new();

    /// <summary>Creates the container.</summary>
    public Sequential(params Module[] layers)
    {
        foreach (var layer in layers) Add(layer);
    }

    /// <summary>Appends a layer named by its position.</summary>
    public Sequential Add(Module layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    /// <summary>The layers.</summary>
    public IReadOnlyList<Module> Layers => _layers;

    /// <summary>Puts <paramref name="layer"/> in place of layer <paramref name="index"/> and returns the old one (not disposed).</summary>
    internal Module Replace(int index, Module layer)
    {
        var old = ReplaceModule(index.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers[index] = layer;
        return old;
    }

    /// <inheritdoc/>
    /// <remarks>Each intermediate result that a <see cref="TensorScope"/> owns is released as soon as the next layer has
    /// consumed it (autograd keeps what backward needs), so a layer must not hold on to its input for later use.</remarks>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var layer in _layers)
        {
            var y = layer.Forward(x);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(x, y)) x.ReleaseIfTemporary();
            x = y;
        }
        return x;
    }
}
