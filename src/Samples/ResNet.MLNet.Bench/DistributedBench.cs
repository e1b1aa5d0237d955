using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Distributed;
using ResNet.MLNet.Torch.Optim;
using Spectre.Console;

namespace ResNet.MLNet.Bench;

/// <summary>
/// <c>resnet-bench distributed</c>: ResNet-20 training steps (batch 128 of 1×28×28), one process with all the cores'
/// threads vs one rank per core with one thread each (the batch split between them, gradients all-reduced over Gloo),
/// each configuration a fresh set of processes, interleaved, medians. The ratio is ranks ÷ single process.
/// </summary>
internal static class DistributedBench
{
    private const int Batch = 128;

    public static Command Create()
    {
        var reps = new Option<int>("--reps") { Description = "interleaved repetitions (medians are reported)", DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { Description = "timed training steps per repetition", DefaultValueFactory = _ => 20 };
        var ranks = new Option<int>("--ranks") { Description = "ranks of the distributed configuration (one thread each)", DefaultValueFactory = _ => 2 };
        var overlap = new Option<bool>("--overlap") { Description = "also time the ranks with the gradient all-reduce overlapped with backward (ProcessGroupOptions.OverlapGradientAllReduce)" };
        var output = new Option<string>("--output") { Description = "where the JSON results go", DefaultValueFactory = _ => "bench/results/distributed-latest.json" };
        var command = new Command("distributed", "ResNet-20 training: N ranks × 1 thread (c10d/Gloo) vs 1 process × N threads") { reps, steps, ranks, overlap, output };
        command.SetAction(r => Run(r.GetValue(reps), r.GetValue(steps), r.GetValue(ranks), r.GetValue(overlap), r.GetValue(output)!));
        var worker = new Command("distributed-worker", "one process of the distributed benchmark (internal)") { steps, overlap };
        worker.Hidden = true;
        worker.SetAction(r => Worker(r.GetValue(steps), r.GetValue(overlap)));
        command.Subcommands.Add(worker);
        return command;
    }

    private static int Run(int reps, int steps, int ranks, bool overlap, string outputPath)
    {
        if (reps < 1 || steps < 1 || ranks < 2 || Batch % ranks != 0)
        {
            AnsiConsole.MarkupLine("[red]--reps and --steps must be positive and --ranks at least 2 and divide 128[/]");
            return 2;
        }
        AnsiConsole.MarkupLineInterpolated($"[bold]distributed[/]: ResNet-20 train b{Batch}, 1 process × {ranks} threads vs {ranks} ranks × 1 thread, {steps} steps, {reps} repetitions (shared machines are noisy)");
        var single = new List<double>();
        var split = new List<double>();
        var overlapped = new List<double>();
        var allReduce = new List<double>();
        for (int r = 0; r < reps; r++)
        {
            single.Add(Launch(1, ranks, steps).ImagesPerSecond);
            var (ips, ms) = Launch(ranks, 1, steps);
            split.Add(ips);
            allReduce.Add(ms);
            if (overlap) overlapped.Add(Launch(ranks, 1, steps, overlap: true).ImagesPerSecond);
            string more = overlap ? $", {ranks}×1 overlapped {overlapped[^1]:F1} img/s" : "";
            AnsiConsole.MarkupLineInterpolated($"  repetition {r + 1}: 1×{ranks} {single[^1]:F1} img/s, {ranks}×1 {split[^1]:F1} img/s (all-reduce alone {allReduce[^1]:F2} ms){more}");
        }
        double s = BenchRow.Median(single), d = BenchRow.Median(split);
        AnsiConsole.MarkupLineInterpolated($"ResNet-20 training b{Batch}: 1 process × {ranks} threads {s:F1} img/s, {ranks} ranks × 1 thread {d:F1} img/s, ratio {d / s:F3}");
        double stepMs = 1000.0 * Batch / d, reduceMs = BenchRow.Median(allReduce);
        AnsiConsole.MarkupLineInterpolated($"  gradient all-reduce alone {reduceMs:F2} ms per step of {stepMs:F0} ms ({100 * reduceMs / stepMs:F1} %: the most overlapping can hide)");
        double? o = overlap ? BenchRow.Median(overlapped) : null;
        if (o is { } ov) AnsiConsole.MarkupLineInterpolated($"  overlapped all-reduce: {ranks} ranks × 1 thread {ov:F1} img/s, {ov / d:F3} × the non-overlapped ranks");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        File.WriteAllText(outputPath, JsonSerializer.Serialize(new
        {
            date = DateTimeOffset.UtcNow, machine = $"{Environment.MachineName}, {Environment.ProcessorCount} cores", batch = Batch, steps, repetitions = reps,
            singleProcessThreads = ranks, singleImagesPerSecond = Math.Round(s, 2), ranks, ranksImagesPerSecond = Math.Round(d, 2),
            ratio = Math.Round(d / s, 4), single, split,
            allReduceMs = Math.Round(reduceMs, 3), allReduce,
            overlappedImagesPerSecond = o is { } v ? Math.Round(v, 2) : (double?)null, overlapped = overlap ? overlapped : null,
            loadAverage = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : null,
        }, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine);
        return 0;
    }

    // Starts `processes` workers with `threads` threads each; returns rank 0's img/s (whole batch over the timed steps)
    // and its time of one gradient all-reduce alone (0 for one process or with overlap).
    private static (double ImagesPerSecond, double AllReduceMs) Launch(int processes, int threads, int steps, bool overlap = false)
    {
        int port = FreePort();
        var workers = Enumerable.Range(0, processes).Select(rank =>
        {
            var psi = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            if (Path.GetFileNameWithoutExtension(psi.FileName) == "dotnet") psi.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
            foreach (var a in new[] { "distributed", "distributed-worker", "--steps", steps.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
            if (overlap) psi.ArgumentList.Add("--overlap");
            psi.Environment["RESNET_MLNET_THREADS"] = psi.Environment["OMP_NUM_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
            if (processes > 1)
                (psi.Environment["RANK"], psi.Environment["WORLD_SIZE"], psi.Environment["MASTER_ADDR"], psi.Environment["MASTER_PORT"]) =
                    (rank.ToString(CultureInfo.InvariantCulture), processes.ToString(CultureInfo.InvariantCulture), "127.0.0.1", port.ToString(CultureInfo.InvariantCulture));
            return Process.Start(psi)!;
        }).ToList();
        var outputs = workers.Select(w => (Out: w.StandardOutput.ReadToEndAsync(), Err: w.StandardError.ReadToEndAsync())).ToList();
        foreach (var w in workers)
            if (!w.WaitForExit(TimeSpan.FromMinutes(5))) w.Kill(entireProcessTree: true);
        for (int i = 0; i < workers.Count; i++)
            if (workers[i].ExitCode != 0) throw new InvalidOperationException($"benchmark rank {i} failed ({workers[i].ExitCode}): {outputs[i].Err.Result}");
        var values = outputs[0].Out.Result.Trim().Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        return (values[0], values[1]);
    }

    // One process: its share of the batch, two warm-up steps, a barrier, then the timed steps; prints the whole batch's img/s.
    private static int Worker(int steps, bool overlap)
    {
        using var group = ProcessGroupOptions.InEnvironment()
            ? ProcessGroup.JoinFromEnvironment(new ProcessGroupOptions { OverlapGradientAllReduce = overlap }) : null;
        int share = Batch / (group?.WorldSize ?? 1);
        var benchCase = new BenchCase("dist", "dist", "train", "resnet20", share, new[] { 1, 28, 28 }, steps);
        using var model = benchCase.CreateModel();
        model.Train();
        model.ToChannelsLast();
        using var sgd = new Sgd(model.Parameters(), new SgdOptions { LearningRate = 0.05, Momentum = 0.9, Nesterov = true, WeightDecay = 5e-4 });
        var step = new TrainingStep(model, sgd, Device.Cpu, channelsLast: true, group: group);
        using var data = TensorScope.Begin();
        var images = Tensor.Randn(new long[] { share, 1, 28, 28 });
        var labels = Tensor.FromArray(Enumerable.Range(0, share).Select(i => (long)(i % 10)).ToArray());
        group?.BroadcastModel(model);
        for (int i = 0; i < 2; i++) using (TensorScope.Begin()) step.Run(images, labels, 0.05);
        group?.Barrier();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) using (TensorScope.Begin()) step.Run(images, labels, 0.05);
        group?.Barrier();
        double imagesPerSecond = Batch * (double)steps / clock.Elapsed.TotalSeconds, allReduceMs = 0;
        if (group != null && !overlap)
        {
            // The most overlapping could hide: the gradient all-reduce on its own (the last step's gradients, 10 times).
            var parameters = model.Parameters();
            group.Barrier();
            var reduce = Stopwatch.StartNew();
            for (int i = 0; i < 10; i++) group.AllReduceGradients(parameters);
            allReduceMs = reduce.Elapsed.TotalMilliseconds / 10;
        }
        Console.WriteLine(FormattableString.Invariant($"{imagesPerSecond:R} {allReduceMs:R}"));
        return 0;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
