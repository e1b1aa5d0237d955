#:project ../../src/ResNet.MLNet/ResNet.MLNet.csproj
#:property Configuration=Release
// Per-phase time of our training step (zero_grad, forward + loss, backward, SGD), with the bench's settings:
// channels-last, Nesterov SGD with weight decay. The companion of step_phases.py (tuned PyTorch); docs/benchmarks.md.
// usage: dotnet run step_phases.cs fp32|bf16 [resnet18]     (threads: RESNET_MLNET_THREADS; run both with the bench's
// MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=268435456)
using System.Diagnostics;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;
using ResNet.MLNet.Torch.Optim;

bool bf16 = args[0] == "bf16"; bool r18 = args.Length > 1;
TorchRuntime.ManualSeed(0);
using var model = r18 ? ResNetZoo.Create(ResNetArchitecture.ResNet18, 1000, 3) : ResNetZoo.Create(ResNetArchitecture.ResNet20, 10, 1);
using var scope0 = TensorScope.Begin();
var x = (r18 ? Tensor.Randn(new long[] { 16, 3, 224, 224 }) : Tensor.Randn(new long[] { 128, 1, 28, 28 })).Contiguous(MemoryFormat.ChannelsLast).DetachFromScope();
var y = Tensor.FromArray(Enumerable.Range(0, r18 ? 16 : 128).Select(i => (long)(i % 10)).ToArray()).DetachFromScope();
model.Train(); model.ToChannelsLast();
using var sgd = new Sgd(model.Parameters(), new SgdOptions { LearningRate = 0.05, Momentum = 0.9, Nesterov = true, WeightDecay = 5e-4 });
double tz = 0, tf = 0, tb = 0, ts = 0; long faults0 = 0;
static long MinFlt() => long.Parse(File.ReadAllText("/proc/self/stat").Split(") ")[1].Split(" ")[7]);
int N = r18 ? 13 : 60, W = r18 ? 3 : 10;
for (int i = 0; i < N; i++)
{
    using var s = TensorScope.Begin();
    var c = Stopwatch.StartNew();
    sgd.ZeroGrad(); var z = c.Elapsed.TotalMilliseconds;
    Tensor loss;
    using (bf16 ? Autocast.Enter(Device.Cpu, DType.BFloat16) : null)
        loss = F.CrossEntropy(model.Forward(x), y, Reduction.Mean, 0);
    var f = c.Elapsed.TotalMilliseconds;
    loss.Backward(); var b = c.Elapsed.TotalMilliseconds;
    sgd.Step(); var e = c.Elapsed.TotalMilliseconds;
    if (i == W - 1) faults0 = MinFlt();
    if (i >= W) { tz += z; tf += f - z; tb += b - f; ts += e - b; }
}
Console.WriteLine($"ours  faults/step {(MinFlt() - faults0) / (N - W)}; per step ms: zero {tz / (N - W):F2} forward {tf / (N - W):F2} backward {tb / (N - W):F2} step {ts / (N - W):F2} total {(tz + tf + tb + ts) / (N - W):F2}");
