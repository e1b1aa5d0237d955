using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Experiments;

/// <summary>A network of an experiment: its label, how to build it for (channels, classes), and its own peak
/// learning rate where the shared one does not suit it (null: the experiment's).</summary>
public sealed record Candidate(string Label, Func<int, int, Module> Create, double? LearningRate = null);

/// <summary>An experiment: the networks it compares under one budget.</summary>
public sealed record Experiment(string Name, string Title, IReadOnlyList<Candidate> Candidates);

/// <summary>The experiments of docs/experiments, as data.</summary>
public static class ExperimentPlan
{
    private static Candidate Zoo(string label, ResNetArchitecture a) => new(label, (c, k) => ResNetZoo.Create(a, k, c));
    private static Candidate Spec(string label, ResNetSpec s) => new(label, (c, k) => ResNetBuilder.Build(s with { InChannels = c, NumClasses = k }));
    private static Candidate Classic(string label, Func<int, int, ClassicNetSpec> spec, double? learningRate = null) =>
        new(label, (c, k) => ClassicNetBuilder.Build(spec(k, c)), learningRate);

    /// <summary>Every experiment.</summary>
    public static IReadOnlyList<Experiment> All { get; } = new[]
    {
        new Experiment("degradation", "Plain vs residual networks of 20, 56 and 110 layers (He et al. 2015, Fig. 6)", new[]
        {
            Zoo("plain-20", ResNetArchitecture.Plain20), Zoo("plain-56", ResNetArchitecture.Plain56),
            Zoo("resnet-20", ResNetArchitecture.ResNet20), Zoo("resnet-56", ResNetArchitecture.ResNet56),
            Zoo("resnet-110", ResNetArchitecture.ResNet110),
        }),
        new Experiment("preactivation", "Original vs full pre-activation units at 56 layers (He et al. 2016)", new[]
        {
            Spec("resnet-56 original (B)", ResNetZoo.Spec(ResNetArchitecture.ResNet56) with { Shortcut = ShortcutKind.Projection }),
            Spec("resnet-56 pre-activation (B)", ResNetZoo.CifarPreActivation(56)),
        }),
        new Experiment("preactivation-110", "Original vs full pre-activation units at 110 layers (He et al. 2016, Table 2)", new[]
        {
            Spec("resnet-110 original (B)", ResNetZoo.Spec(ResNetArchitecture.ResNet110) with { Shortcut = ShortcutKind.Projection }),
            Spec("resnet-110 pre-activation (B)", ResNetZoo.CifarPreActivation(110)),
        }),
        new Experiment("classic", "LeNet-5, AlexNet-style, VGG-style and ResNet-20 on the same data", new[]
        {
            Classic("lenet-5", ClassicZoo.LeNet5), Classic("alexnet-small (lr 0.01)", ClassicZoo.AlexNetSmall, 0.01),
            Classic("vgg-small", ClassicZoo.VggSmall), Zoo("resnet-20", ResNetArchitecture.ResNet20),
        }),
    };

    /// <summary>Experiment names.</summary>
    public static IReadOnlyList<string> Names { get; } = All.Select(e => e.Name).ToArray();
}
