using System.Text.Json;
using Spectre.Console;

namespace ResNet.MLNet.Bench;

/// <summary>The table on the console and the same figures as JSON (<c>bench/results/latest.json</c>).</summary>
public sealed record BenchReport(DateTimeOffset Date, string Machine, int Threads, string LibTorch, string PyTorch, string OurLayout,
    string Blas, string Allocator, IReadOnlyList<BenchRow> Rows)
{
    /// <summary>Prints the table.</summary>
    public void Print()
    {
        var table = new Table().Title($"ours vs PyTorch {PyTorch}, libtorch {LibTorch}, {Threads} thread(s), ours {OurLayout}, BLAS {Markup.Escape(Blas)}; img/s median (min–max)")
            .AddColumns("case", "precision", "ours", "PyTorch tuned", "PyTorch plain", "raw ONNX Runtime", "ours on libtorch", "ours ms/batch", "ours/tuned", "ours/ORT", "ours/plain");
        foreach (var r in Rows)
        {
            string color = r.Ratio >= 1.0 ? "green" : "red";
            table.AddRow(Markup.Escape(r.Title), r.Precision, r.Ours.ToString(), r.Tuned.ToString(), r.Plain.ToString(),
                r.OnnxRuntime?.ToString() ?? "-", r.Libtorch?.ToString() ?? "-", $"{r.OursMillisecondsPerBatch:F1}", $"[{color}]{r.Ratio:F3}[/]",
                r.RatioOnnxRuntime is { } ro ? $"{ro:F3}" : "-", $"{r.RatioPlain:F3}");
        }
        AnsiConsole.Write(table);
    }

    /// <summary>Writes the report as indented JSON to <paramref name="path"/> (directories created).</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        static object? Rounded(Throughput? t) => t == null ? null : new { Median = Math.Round(t.Median, 2), Min = Math.Round(t.Min, 2), Max = Math.Round(t.Max, 2) };
        var rows = Rows.Select(r => new
        {
            r.Name, r.Title, r.Batch, r.Precision, r.Repetitions, Ours = Rounded(r.Ours), PyTorchTuned = Rounded(r.Tuned),
            PyTorchPlain = Rounded(r.Plain), OnnxRuntime = Rounded(r.OnnxRuntime), OursOnLibtorch = Rounded(r.Libtorch),
            RatioTuned = Math.Round(r.Ratio, 4), RatioOnnxRuntime = r.RatioOnnxRuntime is { } ro ? Math.Round(ro, 4) : (double?)null,
            RatioPlain = Math.Round(r.RatioPlain, 4),
        });
        var json = JsonSerializer.Serialize(new { Date, Machine, Threads, LibTorch, PyTorch, OurLayout, Blas, Allocator, Rows = rows },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
        File.WriteAllText(path, json + Environment.NewLine);
    }
}
