namespace ResNet.MLNet.Engine;

/// <summary>How the learning rate changes over a run (applied per optimiser step).</summary>
public enum LearningRateSchedule
{
    /// <summary>One-cycle (as <c>torch.optim.lr_scheduler.OneCycleLR</c>, cosine annealing, fixed momentum): from
    /// <c>lr/25</c> up to <c>lr</c> over the first 30 % of the steps, then down to <c>lr/25/1e4</c>.</summary>
    OneCycle,
    /// <summary>Linear warm-up over <see cref="TrainerOptions.WarmupEpochs"/> (as <c>LinearLR</c> with start factor
    /// <c>1/warm-up steps</c>), then cosine annealing to zero (as <c>CosineAnnealingLR</c>), chained like <c>SequentialLR</c>.</summary>
    Cosine,
    /// <summary>The paper's schedule: multiply by <see cref="TrainerOptions.MultiStepGamma"/> at each epoch of
    /// <see cref="TrainerOptions.MultiStepMilestones"/> (as <c>MultiStepLR</c> stepped per epoch), after an optional linear warm-up.</summary>
    MultiStep,
    /// <summary>The base learning rate throughout (after an optional linear warm-up).</summary>
    Constant,
}
