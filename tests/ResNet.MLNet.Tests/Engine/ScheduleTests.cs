using System.Text.Json;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Tests.Support;

namespace ResNet.MLNet.Tests.Engine;

/// <summary>Every learning-rate schedule equals torch.optim.lr_scheduler's, step by step, computed at test time.</summary>
public class ScheduleTests
{
    private const int Epochs = 6, StepsPerEpoch = 7;

    private static void AssertEqualsPyTorch(TrainerOptions options, params string[] args)
    {
        var expected = JsonSerializer.Deserialize<double[]>(PythonReference.Run("lr_schedule.py", args))!;
        var schedule = new LearningRateScheduler(options, StepsPerEpoch);
        Assert.Equal(Epochs * StepsPerEpoch, expected.Length);
        for (int step = 0; step < expected.Length; step++)
            Assert.True(Math.Abs(schedule.At(step) - expected[step]) <= 1e-9 * Math.Max(1, expected[step]),
                $"{options.Schedule} step {step}: ours {schedule.At(step):R}, PyTorch {expected[step]:R}");
    }

    [Fact]
    public void OneCycleEqualsPyTorch() =>
        AssertEqualsPyTorch(new TrainerOptions { Epochs = Epochs, LearningRate = 0.1, Schedule = LearningRateSchedule.OneCycle },
            "onecycle", "0.1", $"{Epochs}", $"{StepsPerEpoch}", "0");

    [Fact]
    public void CosineWithLinearWarmupEqualsPyTorch() =>
        // one warm-up epoch = 7 steps
        AssertEqualsPyTorch(new TrainerOptions { Epochs = Epochs, LearningRate = 0.2, Schedule = LearningRateSchedule.Cosine, WarmupEpochs = 1 },
            "cosine", "0.2", $"{Epochs}", $"{StepsPerEpoch}", $"{StepsPerEpoch}");

    [Fact]
    public void MultiStepEqualsPyTorch() =>
        AssertEqualsPyTorch(new TrainerOptions { Epochs = Epochs, LearningRate = 0.1, Schedule = LearningRateSchedule.MultiStep, MultiStepMilestones = new[] { 2, 5 } },
            "multistep", "0.1", $"{Epochs}", $"{StepsPerEpoch}", "0", "2", "5");
}
