using System.Text.Json;
using Spectre.Console;

namespace ResNet.MLNet.Bench;

/// <summary>The table on the console and the same figures as JSON (<c>bench/results/latest.json</c>).</summary>
public sealed record BenchReport(DateTimeOffset Date, string Machine, int Threads, string LibTorch, string PyTorch, IReadOnlyList<BenchRow> Rows)
{
    /// <summary>Prints the table.</summary>
    public void Print()
    {
        var table = new Table().Title($"ours vs PyTorch {PyTorch}, libtorch {LibTorch}, {Threads} thread(s)")
            .AddColumns("case", "ours img/s", "PyTorch img/s", "ours ms/batch", "PyTorch ms/batch", "ratio");
        foreach (var r in Rows)
        {
            string color = r.Ratio >= 1.0 ? "green" : "red";
            table.AddRow(Markup.Escape(r.Title), $"{r.OursImagesPerSecond:F1}", $"{r.PyTorchImagesPerSecond:F1}",
                $"{r.OursMillisecondsPerBatch:F1}", $"{r.PyTorchMillisecondsPerBatch:F1}", $"[{color}]{r.Ratio:F3}[/]");
        }
        AnsiConsole.Write(table);
    }

    /// <summary>Writes the report as indented JSON to <paramref name="path"/> (directories created).</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var rows = Rows.Select(r => new
        {
            r.Name, r.Title, r.Batch, r.Repetitions, OursImagesPerSecond = Math.Round(r.OursImagesPerSecond, 2),
            PyTorchImagesPerSecond = Math.Round(r.PyTorchImagesPerSecond, 2), Ratio = Math.Round(r.Ratio, 4),
        });
        var json = JsonSerializer.Serialize(new { Date, Machine, Threads, LibTorch, PyTorch, Rows = rows },
            new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
        File.WriteAllText(path, json + Environment.NewLine);
    }
}
