using ResNet.MLNet.Models;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Models;

/// <summary>Runs Python/arch_units.py once: reference weights, inputs and outputs of every unit case.</summary>
public sealed class UnitReferenceFixture : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>The cases the script wrote.</summary>
    public HashSet<string> Cases { get; }

    public UnitReferenceFixture() =>
        Cases = PythonReference.Run("arch_units.py", _dir.Path).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();

    public string File(string name) => _dir.File(name);

    public void Dispose() => _dir.Dispose();
}

/// <summary>
/// Each residual-unit variant of He et al. 2016 Fig. 4 (basic and bottleneck, identity and projection shortcut, plain)
/// against an explicit PyTorch definition with identical weights, in evaluation and in training mode.
/// </summary>
public class UnitVariantTests : IClassFixture<UnitReferenceFixture>
{
    private static readonly Dictionary<string, UnitKind> Kinds = new()
    {
        ["original"] = UnitKind.Original, ["bn_after_addition"] = UnitKind.BnAfterAddition,
        ["relu_before_addition"] = UnitKind.ReluBeforeAddition, ["relu_only_preactivation"] = UnitKind.ReluOnlyPreActivation,
        ["full_preactivation"] = UnitKind.FullPreActivation,
    };

    private readonly UnitReferenceFixture _reference;

    public UnitVariantTests(UnitReferenceFixture reference) => _reference = reference;

    public static IEnumerable<object[]> Cases()
    {
        foreach (var kind in Kinds.Keys)
        {
            yield return new object[] { $"{kind}-basic-16-16-1" };
            yield return new object[] { $"{kind}-basic-8-16-2" };
            yield return new object[] { $"{kind}-bottleneck-64-16-1" };
            yield return new object[] { $"{kind}-bottleneck-8-16-2" };
            yield return new object[] { $"{kind}-basic-8-16-2-plain" };
        }
        yield return new object[] { "full_preactivation-bottleneck-16-16-1" };
        yield return new object[] { "full_preactivation-basic-16-16-1-first" };
    }

    private static ResidualBlock Build(string name)
    {
        var parts = name.Split('-');
        var kind = Kinds[parts[0]];
        bool bottleneck = parts[1] == "bottleneck";
        int inChannels = int.Parse(parts[2]), planes = int.Parse(parts[3]), stride = int.Parse(parts[4]);
        bool plain = parts.Contains("plain"), first = parts.Contains("first");
        var convs = bottleneck ? UnitConv.Bottleneck(inChannels, planes, stride) : UnitConv.Basic(inChannels, planes, stride);
        int outChannels = convs[^1].OutChannels;
        Sequential? downsample = null;
        if (!plain && (stride != 1 || inChannels != outChannels))
        {
            downsample = new Sequential(new Conv2d(inChannels, outChannels, 1, stride, bias: false));
            if (kind != UnitKind.FullPreActivation) downsample.Add(new BatchNorm2d(outChannels));
        }
        return new ResidualBlock(kind, convs, downsample, plain, preActivate: !first);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ForwardMatchesThePyTorchDefinition(string name)
    {
        Assert.Contains(name, _reference.Cases);
        using var unit = Build(name);
        SafeTensors.LoadInto(unit, _reference.File(name + ".weights.safetensors"));
        var expected = SafeTensors.Load(_reference.File(name + ".expected.safetensors"));
        try
        {
            using var scope = TensorScope.Begin();
            unit.Eval();
            using (Autograd.NoGrad())
                Compare.Close(unit.Forward(expected["x"]), expected["eval_out"], 1e-4, $"{name} eval output");
            unit.Train();
            using (Autograd.NoGrad())
                Compare.Close(unit.Forward(expected["x"]), expected["train_out"], 1e-4, $"{name} train output");
        }
        finally
        {
            foreach (var t in expected.Values) t.Dispose();
        }
    }

    [Fact]
    public void ThePreActivationUnitKeepsItsInputIntact()
    {
        // The identity path must see the unit's input unchanged (no in-place ReLU on it).
        foreach (var kind in Kinds.Values)
        {
            using var unit = new ResidualBlock(kind, UnitConv.Basic(4, 4, 1), null);
            using var scope = TensorScope.Begin();
            var x = Tensor.Randn(new long[] { 2, 4, 5, 5 });
            var copy = x.Clone();
            unit.Forward(x);
            Compare.Close(x, copy, 0, $"{kind} input after forward");
        }
    }
}
