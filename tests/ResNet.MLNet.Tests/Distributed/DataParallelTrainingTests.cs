using global::ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Tests.Distributed;

/// <summary>The Trainer's Distributed option across processes of ours (resnet-dist-worker) on the loopback.</summary>
public class DataParallelTrainingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Fact]
    public void TwoRanksOnHalfBatchesEndWithTheParametersOfOneProcessOnWholeBatches()
    {
        using var dir = new TempDir();
        int port = RankProcess.FreePort();
        using var single = RankProcess.Worker("steps", 0, 0, 1, 30, dir.File("single.safetensors"));
        using var rank0 = RankProcess.Worker("steps", port, 0, 2, 30, dir.File("rank0.safetensors"));
        using var rank1 = RankProcess.Worker("steps", port, 1, 2, 30, dir.File("rank1.safetensors"));
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

    // The worker's rank-0 initial weights, rebuilt here to show that training changed them.
    private static Dictionary<string, Tensor> InitialLeNet(int seed)
    {
        TorchRuntime.ManualSeed((ulong)seed);
        var net = ClassicNetBuilder.Build(ClassicZoo.LeNet5());
        return net.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
    }

    private static bool Same(Tensor a, Tensor b) => a.ToArray<float>().SequenceEqual(b.ToArray<float>());
}
