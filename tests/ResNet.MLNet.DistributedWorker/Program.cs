using ResNet.MLNet.Engine;
using ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Distributed;
using ResNet.MLNet.Torch.Serialization;

// One rank of a data-parallel LeNet-5 run through the real Trainer (LeNet-5 has no BN, so the split batch is exact):
//   resnet-dist-worker steps   PORT RANK WORLD TIMEOUT_S OUT.safetensors   two steps of batch 16 on 32 seeded images
//   resnet-dist-worker syncbn  PORT RANK WORLD TIMEOUT_S OUT.safetensors   the same with BN after each convolution (in
//                                                                          training mode) and synchronised BN
//   resnet-dist-worker overlap PORT RANK WORLD TIMEOUT_S OUT.safetensors   steps, the all-reduce overlapped with backward
//                                                                          in buckets of 64 KiB
//   resnet-dist-worker forever PORT RANK WORLD TIMEOUT_S                   trains until killed or failed
//   resnet-dist-worker resume  PORT RANK WORLD TIMEOUT_S OUT CKPT_DIR [DIE] three epochs of two steps, BN per rank,
//                          checkpoints in CKPT_DIR, resuming from it; DIE = E.B kills this process (SIGKILL) right
//                          after step B of epoch E (1-based)
// WORLD 1 trains without a process group (the single-process reference). Each rank starts from different weights
// (seed 7 + rank), so equal results also show that rank 0's were broadcast. A distributed failure exits with 3.
if (args.Length < 5) { Console.Error.WriteLine("usage: resnet-dist-worker steps|syncbn|overlap|forever|resume PORT RANK WORLD TIMEOUT_S [OUT [CKPT_DIR [DIE]]]"); return 2; }
var (mode, port, rank, world, timeout) = (args[0], int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), double.Parse(args[4]));
bool forever = mode == "forever", syncBn = mode == "syncbn", resume = mode == "resume";
bool overlap = mode == "overlap";
var die = resume && args.Length > 7 ? args[7] : null;
try
{
    TorchRuntime.ManualSeed((ulong)(7 + rank));
    using var net = ClassicNetBuilder.Build(ClassicZoo.LeNet5() with { BatchNorm = syncBn || resume });
    TorchRuntime.ManualSeed(99);
    using var data = new InMemoryTrainingData(Tensor.Randn(new long[] { 32, 1, 28, 28 }).DetachFromScope(),
        Tensor.RandInt(0, 10, new long[] { 32 }).DetachFromScope(), Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray());
    var group = new ProcessGroupOptions
    {
        MasterPort = port, Rank = rank, WorldSize = world, Timeout = TimeSpan.FromSeconds(timeout), SyncBatchNorm = syncBn,
        OverlapGradientAllReduce = overlap,
    };
    if (overlap) group = group with { GradientBucketBytes = 64 << 10 }; // several buckets even for this small net
    var options = new TrainerOptions
    {
        Epochs = forever ? 100_000 : resume ? 3 : 1, CheckpointDirectory = resume ? args[6] : null, Resume = resume, BatchSize = 16, Schedule = LearningRateSchedule.Constant, LearningRate = 0.05,
        Distributed = world == 1 ? null : group,
    };
    var announced = false;
    new Trainer(net, options) { ProgressInterval = 1 }.Fit(data, batchProgress: new SyncProgress(b =>
    {
        if (die == $"{b.Epoch}.{b.Batch}") System.Diagnostics.Process.GetCurrentProcess().Kill();
        if (announced) return;
        announced = true;
        Console.WriteLine($"rank {rank} stepping from epoch {b.Epoch}");
        Console.Out.Flush();
    }));
    if (!forever) SafeTensors.Save(args[5], net.StateDict());
    return 0;
}
catch (TorchException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 3;
}

/// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
internal sealed class SyncProgress(Action<BatchProgress> report) : IProgress<BatchProgress>
{
    public void Report(BatchProgress value) => report(value);
}
