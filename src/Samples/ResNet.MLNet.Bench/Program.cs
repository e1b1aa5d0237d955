using System.CommandLine;
using System.Diagnostics;
using ResNet.MLNet.Bench;
using ResNet.MLNet.Torch;
using Spectre.Console;

var repetitions = new Option<int>("--reps") { Description = "interleaved repetitions per case (medians are reported)", DefaultValueFactory = _ => 7 };
var threads = new Option<int>("--threads") { Description = "intra-op threads for both sides", DefaultValueFactory = _ => Environment.ProcessorCount };
var filter = new Option<string?>("--filter") { Description = "run only the cases whose name contains this text" };
var cases = new Option<string>("--cases") { Description = "the case list", DefaultValueFactory = _ => "bench/cases.json" };
var worker = new Option<string>("--worker") { Description = "the PyTorch worker script", DefaultValueFactory = _ => "bench/pytorch_worker.py" };
var output = new Option<string>("--output") { Description = "where the JSON results go", DefaultValueFactory = _ => "bench/results/latest.json" };
var layout = new Option<string>("--layout") { Description = "memory format ours uses: channels-last (the default of our trainer and scorer) or contiguous", DefaultValueFactory = _ => "channels-last" };
layout.AcceptOnlyFromAmong("channels-last", "contiguous");
var root = new RootCommand("resnet-bench: ours vs tuned and plain PyTorch (Debian python3-torch) on the same libtorch, and vs raw ONNX Runtime on inference rows; interleaved, medians and ranges.")
{
    repetitions, threads, filter, cases, worker, output, layout,
};
root.Subcommands.Add(DistributedBench.Create());
root.SetAction(parsed => Run(parsed.GetValue(repetitions), parsed.GetValue(threads), parsed.GetValue(filter),
    parsed.GetValue(cases)!, parsed.GetValue(worker)!, parsed.GetValue(output)!, parsed.GetValue(layout) == "channels-last"));
return root.Parse(args).Invoke();

static int Run(int repetitions, int threads, string? filter, string casesPath, string workerScript, string outputPath, bool channelsLast)
{
    if (repetitions < 1 || threads < 1)
    {
        AnsiConsole.MarkupLine("[red]--reps and --threads must be positive[/]");
        return 2;
    }
    var selected = BenchCase.Load(casesPath).Where(c => filter == null || c.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
    if (selected.Count == 0)
    {
        AnsiConsole.MarkupLineInterpolated($"[red]no case in {casesPath} matches '{filter}'[/]");
        return 2;
    }
    TorchRuntime.NumThreads = threads;
    // Tuned PyTorch gets through the environment the glibc malloc setting ours applies with mallopt at start-up.
    var tunedMalloc = new Dictionary<string, string>
    {
        ["MALLOC_MMAP_THRESHOLD_"] = TorchRuntime.MmapThreshold.ToString(), ["MALLOC_TRIM_THRESHOLD_"] = TorchRuntime.TrimThreshold.ToString(),
    };
    using var tuned = new PyTorchWorker(workerScript, threads, "tuned", tunedMalloc);
    using var plain = new PyTorchWorker(workerScript, threads, "plain");
    string blas = LoadedBlas();
    AnsiConsole.MarkupLineInterpolated($"[bold]resnet-bench[/]: libtorch {TorchRuntime.TorchVersion} (ours) vs PyTorch {tuned.TorchVersion} tuned and plain, {threads} thread(s), BLAS {blas}, {repetitions} interleaved repetitions");
    var rows = new List<BenchRow>();
    foreach (var c in selected)
    {
        using var ours = c.IsTraining ? new OurCase(c, channelsLast) : null;
        using var onnx = c.IsTraining ? null : new OnnxCase(c, threads, channelsLast);
        // The sides of the row, timed in this order, rotated by one place per repetition: seconds for c.Iterations iterations.
        var sides = new List<(string Name, Func<double> Seconds)>();
        if (ours != null) sides.Add(("ours", () => Seconds(ours.Run, c.Iterations)));
        else
        {
            sides.Add(("ours", () => Seconds(onnx!.RunOurs, c.Iterations)));
            sides.Add(("onnxRuntime", () => Seconds(onnx!.RunRaw, c.Iterations)));
            sides.Add(("libtorch", () => Seconds(onnx!.RunLibtorch, c.Iterations)));
        }
        sides.Add(("tuned", () => tuned.Time(c)));
        sides.Add(("plain", () => plain.Time(c)));
        foreach (var side in sides) side.Seconds();      // warm-up: allocators, oneDNN primitives, ORT's first-run planning, the tuned worker's JIT
        var rates = sides.ToDictionary(s => s.Name, _ => new List<double>());
        // Repetition r starts with side r mod (number of sides), so no side always runs first (warm caches and CPU
        // state after the warm-up, or the previous process's threads still spinning, favour no one).
        for (int r = 0; r < repetitions; r++)
            for (int k = 0; k < sides.Count; k++)
            {
                var side = sides[(r + k) % sides.Count];
                rates[side.Name].Add(c.ImagesPerRepetition / side.Seconds());
            }
        Throughput? Of(string name) => rates.TryGetValue(name, out var list) ? Throughput.Of(list) : null;
        var row = new BenchRow(c.Name, c.Title, c.Batch, c.Precision ?? "fp32", repetitions,
            Of("ours")!, Of("tuned")!, Of("plain")!, Of("onnxRuntime"), Of("libtorch"));
        string line = $"  {c.Title} {row.Precision}: ours {row.Ours}, PyTorch tuned {row.Tuned}, plain {row.Plain}" +
            (row.OnnxRuntime is { } ort ? $", raw ONNX Runtime {ort}, ours on libtorch {row.Libtorch}" : "") +
            $" img/s; ours/tuned {row.Ratio:F3}" + (row.RatioOnnxRuntime is { } ro ? $", ours/ORT {ro:F3}" : "");
        AnsiConsole.WriteLine(line);
        rows.Add(row);
    }
    var allocator = TorchRuntime.TuneAllocator
        ? $"ours and PyTorch tuned: glibc mmap threshold {TorchRuntime.MmapThreshold}, trim threshold {TorchRuntime.TrimThreshold}; PyTorch plain: glibc defaults"
        : "glibc defaults on every side (RESNET_MLNET_MALLOC_TUNING=0)";
    var report = new BenchReport(DateTimeOffset.UtcNow, $"{Environment.MachineName}, {Environment.ProcessorCount} cores", threads,
        TorchRuntime.TorchVersion, tuned.TorchVersion, channelsLast ? "channels-last" : "contiguous", blas, allocator, rows);
    report.Print();
    report.Save(outputPath);
    AnsiConsole.MarkupLineInterpolated($"results written to {outputPath}");
    if (rows.Any(r => r.Ratio < 1.0)) AnsiConsole.MarkupLine("[yellow]some rows are below 1.0 (ours slower than tuned PyTorch)[/]");
    return 0;
}

static double Seconds(Action<int> run, int iterations)
{
    var clock = Stopwatch.StartNew();
    run(iterations);
    return clock.Elapsed.TotalSeconds;
}

// The BLAS libtorch loaded into this process (the workers inherit the same library path): OpenBLAS when its
// libblas.so.3 is the system alternative or comes first on LD_LIBRARY_PATH, else Debian's reference BLAS.
static string LoadedBlas()
{
    var blas = File.ReadLines("/proc/self/maps").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "")
        .FirstOrDefault(path => path.Contains("libblas.so") || path.Contains("libopenblas"));
    if (blas == null) return "none loaded";
    var resolved = new FileInfo(blas).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? blas;
    return resolved.Contains("openblas") ? $"OpenBLAS ({resolved})" : $"reference ({resolved})";
}
