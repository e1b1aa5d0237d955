using System.Diagnostics;
using System.Text.Json;
using ResNet.MLNet.Torch;
using Spectre.Console;

namespace ResNet.MLNet.Bench;

/// <summary>
/// <c>resnet-bench onnx</c>: the inference rows of the case list scored by our OnnxScorer, a plain ONNX Runtime
/// session on the same exported file, and our libtorch Scorer; interleaved repetitions, medians, ours ÷ raw printed.
/// </summary>
public static class OnnxBench
{
    private sealed record Row(string Name, string Title, int Batch, int Repetitions, double Ours, double Raw, double Libtorch)
    {
        public double OursOverRaw => Ours / Raw;
        public double OursOverLibtorch => Ours / Libtorch;
    }

    /// <summary>Runs the selected inference cases; returns the process exit code.</summary>
    public static int Run(IReadOnlyList<BenchCase> cases, int repetitions, int threads, string outputPath)
    {
        TorchRuntime.NumThreads = threads;
        AnsiConsole.MarkupLineInterpolated($"[bold]resnet-bench onnx[/]: OnnxScorer vs raw ONNX Runtime vs libtorch Scorer, {threads} thread(s), {repetitions} interleaved repetitions");
        var rows = new List<Row>();
        foreach (var c in cases.Where(c => !c.IsTraining))
        {
            using var bench = new OnnxCase(c, threads);
            // warm-up: allocators, oneDNN primitives, ORT's first-run planning
            bench.RunOurs(1);
            bench.RunRaw(1);
            bench.RunLibtorch(1);
            var (ours, raw, libtorch) = (new List<double>(), new List<double>(), new List<double>());
            for (int r = 0; r < repetitions; r++)
            {
                ours.Add(Rate(c, bench.RunOurs));
                raw.Add(Rate(c, bench.RunRaw));
                libtorch.Add(Rate(c, bench.RunLibtorch));
            }
            var row = new Row(c.Name, c.Title, c.Batch, repetitions, BenchRow.Median(ours), BenchRow.Median(raw), BenchRow.Median(libtorch));
            AnsiConsole.MarkupLineInterpolated(
                $"  {c.Title}: OnnxScorer {row.Ours:F1} img/s, raw ORT {row.Raw:F1} img/s, libtorch {row.Libtorch:F1} img/s, ours/raw {row.OursOverRaw:F3}");
            rows.Add(row);
        }

        var table = new Table().Title($"ONNX scoring, {threads} thread(s), medians of {repetitions}")
            .AddColumns("case", "OnnxScorer img/s", "raw ORT img/s", "libtorch Scorer img/s", "ours/raw", "ours/libtorch");
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Title), $"{r.Ours:F1}", $"{r.Raw:F1}", $"{r.Libtorch:F1}", $"{r.OursOverRaw:F3}", $"{r.OursOverLibtorch:F2}");
        AnsiConsole.Write(table);

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outputPath))!);
        var json = JsonSerializer.Serialize(new
        {
            Date = DateTimeOffset.UtcNow, Machine = $"{Environment.MachineName}, {Environment.ProcessorCount} cores", Threads = threads,
            Rows = rows.Select(r => new
            {
                r.Name, r.Title, r.Batch, r.Repetitions, OnnxScorer = Math.Round(r.Ours, 2), RawOnnxRuntime = Math.Round(r.Raw, 2),
                LibtorchScorer = Math.Round(r.Libtorch, 2), OursOverRaw = Math.Round(r.OursOverRaw, 4),
            }),
        }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
        File.WriteAllText(outputPath, json + Environment.NewLine);
        AnsiConsole.MarkupLineInterpolated($"results written to {outputPath}");
        return 0;
    }

    private static double Rate(BenchCase c, Action<int> run)
    {
        var clock = Stopwatch.StartNew();
        run(c.Iterations);
        return c.ImagesPerRepetition / clock.Elapsed.TotalSeconds;
    }
}
