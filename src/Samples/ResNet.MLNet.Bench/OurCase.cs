using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Optim;

namespace ResNet.MLNet.Bench;

/// <summary>Our side of a training <see cref="BenchCase"/>: the trainer's own <see cref="TrainingStep"/> on a fixed random
/// batch (inference rows are <see cref="OnnxCase"/>).</summary>
public sealed class OurCase : IDisposable
{
    private readonly ResNet.MLNet.Models.ResNet _model;
    private readonly Tensor _images, _labels;
    private readonly Sgd _sgd;
    private readonly TrainingStep _step;

    /// <summary>Builds the model and the batch of <paramref name="benchCase"/>; <paramref name="channelsLast"/> is the
    /// memory format ours uses (the trainer's and scorer's default is channels-last).</summary>
    public OurCase(BenchCase benchCase, bool channelsLast = true)
    {
        if (!benchCase.IsTraining) throw new ArgumentException($"{benchCase.Name} is an inference case: see OnnxCase");
        _model = benchCase.CreateModel();
        using var scope = TensorScope.Begin();
        _images = Tensor.Randn(new long[] { benchCase.Batch, benchCase.Shape[0], benchCase.Shape[1], benchCase.Shape[2] }).DetachFromScope();
        var labels = Enumerable.Range(0, benchCase.Batch).Select(i => (long)(i % _model.Fc.OutFeatures)).ToArray();
        _labels = Tensor.FromArray(labels).DetachFromScope();
        _model.Train();
        if (channelsLast) _model.ToChannelsLast();
        _sgd = new Sgd(_model.Parameters(), new SgdOptions { LearningRate = 0.05, Momentum = 0.9, Nesterov = true, WeightDecay = 5e-4 });
        _step = new TrainingStep(_model, _sgd, Device.Cpu, channelsLast, precision: benchCase.TrainingPrecision);
    }

    /// <summary>Runs <paramref name="iterations"/> iterations; every tensor they create is freed before returning.</summary>
    public void Run(int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            using var scope = TensorScope.Begin();
            _step.Run(_images, _labels, 0.05);
        }
    }

    /// <summary>Frees the model, optimiser state and batch.</summary>
    public void Dispose()
    {
        _sgd.Dispose();
        _images.Dispose();
        _labels.Dispose();
        _model.Dispose();
    }
}
