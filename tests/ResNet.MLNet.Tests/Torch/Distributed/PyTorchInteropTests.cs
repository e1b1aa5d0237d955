using System.Text.Json;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Distributed;

namespace ResNet.MLNet.Tests.Torch.Distributed;

/// <summary>This test process and a PyTorch process (torch.distributed, backend gloo, tcp:// rendezvous) in one c10d
/// process group: the all-reduce, broadcasts and barrier agree on both sides with the sum computed here.</summary>
public class PyTorchInteropTests
{
    [Theory]
    [InlineData(0)] // we host the rendezvous store, PyTorch connects
    [InlineData(1)] // PyTorch hosts it
    public void OurProcessAndPyTorchShareOneProcessGroup(int ourRank)
    {
        int port = RankProcess.FreePort(), peerRank = 1 - ourRank;
        using var python = RankProcess.Python("dist_peer.py", port, peerRank, 2);
        using var scope = TensorScope.Begin();
        TorchRuntime.ManualSeed(5);
        var a = Tensor.Randn(new long[] { 2, 3 });
        var b = Tensor.Randn(new long[] { 4 });
        var d = Tensor.Randn(new long[] { 2 }, DType.Float64);
        var floats = a.ToArray<float>().Concat(b.ToArray<float>()).ToArray();
        var doubles = d.ToArray<double>();
        var sent = new[] { 1f, 2f, 3f, 4f, 5f }.Select(v => v * (ourRank + 7)).ToArray();
        var received = new float[2][];
        using (var group = ProcessGroup.Join(new ProcessGroupOptions { MasterPort = port, Rank = ourRank, WorldSize = 2, Timeout = TimeSpan.FromSeconds(30) }))
        {
            group.AllReduce(new[] { a, b, d });
            for (int root = 0; root < 2; root++)
            {
                var t = root == ourRank ? Tensor.FromArray(sent) : Tensor.Zeros(new long[] { 5 });
                group.Broadcast(new[] { t }, root);
                received[root] = t.ToArray<float>();
            }
            group.Barrier();
        }
        Assert.Equal(0, python.WaitForExit(TimeSpan.FromSeconds(60), "the PyTorch rank"));
        using var json = JsonDocument.Parse(python.Output);
        float[] Floats(string name) => json.RootElement.GetProperty(name).EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
        double[] Doubles(string name) => json.RootElement.GetProperty(name).EnumerateArray().Select(e => e.GetDouble()).ToArray();

        var pyFloats = Floats("floats");
        var expectedFloats = floats.Zip(pyFloats, (x, y) => x + y).ToArray();
        var expectedDoubles = Doubles("doubles").Zip(doubles, (x, y) => x + y).ToArray();
        Assert.NotEqual(floats, pyFloats); // the two sides really contributed different values
        Assert.Equal(expectedFloats, a.ToArray<float>().Concat(b.ToArray<float>()).ToArray(), new Tolerance(1e-6));
        Assert.Equal(expectedFloats, Floats("reduced_floats"), new Tolerance(1e-6));
        Assert.Equal(expectedDoubles, d.ToArray<double>());
        Assert.Equal(expectedDoubles, Doubles("reduced_doubles"));
        Assert.Equal(Floats("sent"), received[peerRank]);
        var pyReceived = json.RootElement.GetProperty("received")[ourRank].EnumerateArray().Select(e => (float)e.GetDouble());
        Assert.Equal(sent, pyReceived);
    }

    private sealed class Tolerance(double eps) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= eps * Math.Max(1, Math.Abs(y));
        public int GetHashCode(float obj) => 0;
    }
}
