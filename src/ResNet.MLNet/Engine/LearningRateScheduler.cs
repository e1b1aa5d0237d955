namespace ResNet.MLNet.Engine;

/// <summary>
/// The learning rate at every optimiser step of a run, as a pure function of the step (so a resumed run continues the
/// curve exactly). Formulas are PyTorch's closed forms: <c>OneCycleLR</c> (cosine, three_phase=False, div_factor 25,
/// final_div_factor 1e4, pct_start 0.3), <c>LinearLR</c> warm-up, <c>CosineAnnealingLR</c> (eta_min 0) and <c>MultiStepLR</c>.
/// </summary>
public sealed class LearningRateScheduler
{
    private const double OneCyclePctStart = 0.3, OneCycleDivFactor = 25, OneCycleFinalDivFactor = 1e4;

    private readonly TrainerOptions _options;
    private readonly int[] _milestones;

    /// <summary>Optimiser steps per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Steps of the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>Steps of the linear warm-up (0 for one-cycle, which has its own ramp).</summary>
    public long WarmupSteps { get; }

    /// <summary>Creates the schedule of a run of <paramref name="options"/> with <paramref name="stepsPerEpoch"/> steps per epoch.</summary>
    public LearningRateScheduler(TrainerOptions options, int stepsPerEpoch)
    {
        if (stepsPerEpoch < 1) throw new ArgumentException($"stepsPerEpoch must be at least 1, got {stepsPerEpoch}");
        _options = options;
        StepsPerEpoch = stepsPerEpoch;
        TotalSteps = (long)options.Epochs * stepsPerEpoch;
        WarmupSteps = options.Schedule == LearningRateSchedule.OneCycle ? 0 : (long)Math.Round(options.WarmupEpochs * stepsPerEpoch);
        _milestones = options.MultiStepMilestones ?? new[] { options.Epochs / 2, options.Epochs * 3 / 4 };
    }

    /// <summary>The learning rate of the 0-based optimiser step <paramref name="step"/>.</summary>
    public double At(long step)
    {
        double lr = _options.LearningRate;
        return _options.Schedule switch
        {
            LearningRateSchedule.OneCycle => OneCycle(lr, step),
            LearningRateSchedule.Cosine => step < WarmupSteps ? lr * Warmup(step) : Cosine(lr, step - WarmupSteps, TotalSteps - WarmupSteps),
            LearningRateSchedule.MultiStep => lr * Warmup(step) * MultiStepFactor(step / StepsPerEpoch),
            LearningRateSchedule.Constant => lr * Warmup(step),
            _ => throw new ArgumentOutOfRangeException(nameof(_options.Schedule), _options.Schedule, "unknown schedule"),
        };
    }

    /// <summary><c>LinearLR(start_factor = 1 / warm-up steps, total_iters = warm-up steps)</c>; 1 after the warm-up.</summary>
    private double Warmup(long step)
    {
        if (step >= WarmupSteps) return 1;
        double start = 1.0 / WarmupSteps;
        return start + (1 - start) * step / WarmupSteps;
    }

    private double MultiStepFactor(long epoch) => Math.Pow(_options.MultiStepGamma, _milestones.Count(m => m <= epoch));

    private static double Cosine(double lr, long step, long steps) =>
        steps <= 0 ? lr : lr * (1 + Math.Cos(Math.PI * Math.Min(step, steps) / steps)) / 2;

    private double OneCycle(double maxLr, long step)
    {
        double initial = maxLr / OneCycleDivFactor, min = initial / OneCycleFinalDivFactor;
        double rampEnd = OneCyclePctStart * TotalSteps - 1, end = TotalSteps - 1;
        if (step <= rampEnd) return CosineAnneal(initial, maxLr, step / rampEnd);
        return CosineAnneal(maxLr, min, (step - rampEnd) / (end - rampEnd));
    }

    private static double CosineAnneal(double start, double end, double pct) => end + (start - end) / 2 * (Math.Cos(Math.PI * pct) + 1);
}
