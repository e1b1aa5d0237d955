using global::ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Torch.Distributed;

/// <summary>The Trainer's Distributed option across processes of ours (resnet-dist-worker) on the loopback.</summary>
public class DataParallelTrainingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Theory]
    [InlineData("steps")]
    [InlineData("overlap")] // the all-reduce overlapped with backward, LeNet-5's 247 KB in 3 buckets
    public void TwoRanksOnHalfBatchesEndWithTheParametersOfOneProcessOnWholeBatches(string mode)
    {
        using var dir = new TempDir();
        int port = RankProcess.FreePort();
        using var single = RankProcess.Worker("steps", 0, 0, 1, 30, dir.File("single.safetensors"));
        using var rank0 = RankProcess.Worker(mode, port, 0, 2, 30, dir.File("rank0.safetensors"));
        using var rank1 = RankProcess.Worker(mode, port, 1, 2, 30, dir.File("rank1.safetensors"));
        foreach (var (p, name) in new[] { (single, "single"), (rank0, "rank 0"), (rank1, "rank 1") })
            Assert.True(p.WaitForExit(Limit, name) == 0, $"{name} failed:\n{p.Error}");

        using var scope = TensorScope.Begin();
        var expected = SafeTensors.Load(dir.File("single.safetensors"));
        var initial = InitialLeNet(seed: 7);
        Assert.Equal(10, expected.Count); // LeNet-5: five layers, weight and bias each
        foreach (var file in new[] { "rank0", "rank1" })
        {
            var actual = SafeTensors.Load(dir.File(file + ".safetensors"));
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, e) in expected)
            {
                Compare.Close(actual[name], e, 1e-5, $"{file} {name}");
                Assert.False(Same(e, initial[name]), $"{name} did not move in training");
            }
        }
    }

    [Fact]
    public void SynchronisedBatchNormOnHalfBatchesMatchesOneProcessOnWholeBatchesWithItsRunningStatistics()
    {
        using var dir = new TempDir();
        int port = RankProcess.FreePort();
        using var single = RankProcess.Worker("syncbn", 0, 0, 1, 60, dir.File("single.safetensors"));
        using var rank0 = RankProcess.Worker("syncbn", port, 0, 2, 60, dir.File("rank0.safetensors"));
        using var rank1 = RankProcess.Worker("syncbn", port, 1, 2, 60, dir.File("rank1.safetensors"));
        foreach (var (p, name) in new[] { (single, "single"), (rank0, "rank 0"), (rank1, "rank 1") })
            Assert.True(p.WaitForExit(Limit, name) == 0, $"{name} failed:\n{p.Error}");

        // Each rank saw half of every batch, and rank 1's buffers are its own (with sync BN the trainer does not copy
        // rank 0's after the epoch), so equal running statistics show that the statistics were the group's. Within
        // 1e-5 of each value's scale, at least 1: BN biases start at 0 and stay tiny after two steps, and float32
        // noise alone (1 vs 2 threads of the single process) reaches 1e-5 of their own scale.
        using var scope = TensorScope.Begin();
        var expected = SafeTensors.Load(dir.File("single.safetensors"));
        Assert.Equal(2, expected.Keys.Count(k => k.EndsWith("running_var", StringComparison.Ordinal)));
        foreach (var file in new[] { "rank0", "rank1" })
        {
            var actual = SafeTensors.Load(dir.File(file + ".safetensors"));
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, e) in expected)
            {
                var (a, x) = (actual[name].To(DType.Float32).ToArray<float>(), e.To(DType.Float32).ToArray<float>());
                double scale = Math.Max(1, x.Max(v => Math.Abs((double)v)));
                double error = a.Zip(x, (p, q) => Math.Abs((double)p - q)).Max();
                Assert.True(error <= 1e-5 * scale, $"{file} {name}: max difference {error:E3} exceeds 1e-5 × {scale:G3}");
            }
        }
    }

    [Fact]
    public void KillingOneRankMakesTheOtherExitWithAnErrorNamingTheRanksWithinTheTimeout()
    {
        int port = RankProcess.FreePort();
        const int timeoutSeconds = 20;
        using var rank0 = RankProcess.Worker("forever", port, 0, 2, timeoutSeconds);
        using var rank1 = RankProcess.Worker("forever", port, 1, 2, timeoutSeconds);
        foreach (var p in new[] { rank0, rank1 })
            Assert.True(p.FirstLine.Task.Wait(Limit), $"a rank never started stepping:\n{p.Error}");
        Assert.False(rank0.HasExited);
        rank1.Kill();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int exit = rank0.WaitForExit(TimeSpan.FromSeconds(timeoutSeconds + 15), "the surviving rank 0");
        Assert.True(exit == 3, $"rank 0 exited {exit}:\n{rank0.Error}");
        Assert.Contains("failed on rank 0 of 2", rank0.Error);
        Assert.Contains("peer rank 1", rank0.Error);
        Assert.Contains($"timeout {timeoutSeconds}", rank0.Error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(timeoutSeconds + 5), $"took {clock.Elapsed}");
    }

    [Fact]
    public void ARunWhoseRankWasKilledMidEpochResumesFromTheLastCheckpointAndEndsAsTheUninterruptedRun()
    {
        using var dir = new TempDir();
        const int timeoutSeconds = 20;
        int port = RankProcess.FreePort(), referencePort = RankProcess.FreePort();
        string Ckpt(string name) => Directory.CreateDirectory(dir.File(name)).FullName;
        string interrupted = Ckpt("interrupted"), uninterrupted = Ckpt("uninterrupted");
        RankProcess[] Run(int p, string ckpt, string prefix, string? die = null) => new[]
        {
            RankProcess.Worker("resume", p, 0, 2, timeoutSeconds, dir.File(prefix + "0.safetensors"), ckpt),
            RankProcess.Worker("resume", p, 1, 2, timeoutSeconds, dir.File(prefix + "1.safetensors"), ckpt, die ?? "none"),
        };

        // Rank 1 kills itself after the first step of epoch 2; rank 0 fails at the next all-reduce, naming it.
        var reference = Run(referencePort, uninterrupted, "reference");
        var broken = Run(port, interrupted, "broken", die: "2.1");
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            Assert.NotEqual(0, broken[1].WaitForExit(Limit, "the killed rank 1"));
            int exit = broken[0].WaitForExit(TimeSpan.FromSeconds(timeoutSeconds + 15), "the surviving rank 0");
            Assert.True(exit == 3, $"rank 0 exited {exit}:\n{broken[0].Error}");
            Assert.Contains("failed on rank 0 of 2", broken[0].Error);
            Assert.Contains("peer rank 1", broken[0].Error);
            Assert.True(clock.Elapsed < Limit, $"took {clock.Elapsed}");
            Assert.False(File.Exists(dir.File("broken0.safetensors")));
            foreach (var (p, name) in new[] { (reference[0], "reference rank 0"), (reference[1], "reference rank 1") })
                Assert.True(p.WaitForExit(Limit, name) == 0, $"{name} failed:\n{p.Error}");
        }
        finally
        {
            foreach (var p in reference.Concat(broken)) p.Dispose();
        }

        // The same command again: both ranks resume from rank 0's checkpoint of epoch 1 and finish epochs 2 and 3.
        var resumed = Run(RankProcess.FreePort(), interrupted, "resumed");
        try
        {
            foreach (var (p, name) in new[] { (resumed[0], "resumed rank 0"), (resumed[1], "resumed rank 1") })
            {
                Assert.True(p.WaitForExit(Limit, name) == 0, $"{name} failed:\n{p.Error}");
                Assert.Contains("stepping from epoch 2", p.Output);
            }
        }
        finally
        {
            foreach (var p in resumed) p.Dispose();
        }

        using var scope = TensorScope.Begin();
        var expected = SafeTensors.Load(dir.File("reference0.safetensors"));
        Assert.Contains(expected.Keys, k => k.EndsWith("running_mean", StringComparison.Ordinal));
        foreach (var file in new[] { "reference1", "resumed0", "resumed1" })
        {
            var actual = SafeTensors.Load(dir.File(file + ".safetensors"));
            Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
            foreach (var (name, e) in expected) Compare.Close(actual[name], e, 1e-5, $"{file} {name}");
        }
    }

    // The worker's rank-0 initial weights, rebuilt here to show that training changed them.
    private static Dictionary<string, Tensor> InitialLeNet(int seed)
    {
        TorchRuntime.ManualSeed((ulong)seed);
        var net = ClassicNetBuilder.Build(ClassicZoo.LeNet5());
        return net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
    }

    private static bool Same(Tensor a, Tensor b) => a.ToArray<float>().SequenceEqual(b.ToArray<float>());
}
