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
