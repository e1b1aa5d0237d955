using System.Globalization;
using System.Text;
using ResNet.MLNet.Reports;

namespace ResNet.MLNet.Experiments;

/// <summary>Writes an experiment's results: per-epoch CSV, a Markdown summary table and an error plot (PNG and SVG).</summary>
public static class ResultsWriter
{
    /// <summary>Writes <c>NAME.csv</c>, <c>NAME.md</c>, <c>NAME.png</c> and <c>NAME.svg</c> to <paramref name="directory"/>.</summary>
    public static void Write(string directory, Experiment experiment, IReadOnlyList<RunResult> runs, string budget)
    {
        Directory.CreateDirectory(directory);
        var inv = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("network,parameters,epoch,train_loss,train_error,test_loss,test_error,elapsed_s\n");
        foreach (var r in runs)
            foreach (var e in r.Epochs)
                csv.AppendLine(string.Create(inv, $"{r.Label},{r.Parameters},{e.Epoch},{e.TrainLoss:F5},{e.TrainError:F5},{e.TestLoss:F5},{e.TestError:F5},{e.Seconds:F1}"));
        File.WriteAllText(Path.Combine(directory, experiment.Name + ".csv"), csv.ToString());

        var md = new StringBuilder();
        md.AppendLine($"### {experiment.Title}").AppendLine().AppendLine(budget).AppendLine();
        md.AppendLine("| network | parameters | final train error | final test error | best test error | training time |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in runs)
            md.AppendLine(string.Create(inv,
                $"| {r.Label} | {r.Parameters:N0} | {r.Final.TrainError:P2} | {r.Final.TestError:P2} | {r.Epochs.Min(e => e.TestError):P2} | {r.TrainSeconds:F0} s |"));
        md.AppendLine().AppendLine("Per epoch (train error / test error):").AppendLine();
        md.AppendLine("| epoch | " + string.Join(" | ", runs.Select(r => r.Label)) + " |");
        md.AppendLine("|---:|" + string.Concat(runs.Select(_ => "---:|")));
        int epochs = runs.Max(r => r.Epochs.Count);
        for (int i = 0; i < epochs; i++)
            md.AppendLine($"| {i + 1} | " + string.Join(" | ", runs.Select(r => i < r.Epochs.Count
                ? string.Create(inv, $"{r.Epochs[i].TrainError:P2} / {r.Epochs[i].TestError:P2}") : "")) + " |");
        File.WriteAllText(Path.Combine(directory, experiment.Name + ".md"), md.ToString());

        var series = new List<ChartSeries>();
        for (int i = 0; i < runs.Count; i++)
        {
            var r = runs[i];
            string colour = Charts.Palette[i % Charts.Palette.Length];
            series.Add(new ChartSeries(r.Label + " train", colour, true, r.Epochs.Select(e => ((double)e.Epoch, e.TrainError)).ToList()));
            series.Add(new ChartSeries(r.Label + " test", colour, false, r.Epochs.Select(e => ((double)e.Epoch, e.TestError)).ToList()));
        }
        Charts.Save(Charts.Lines(experiment.Title, "epoch", "error (dashed: training, solid: test)", series), directory, experiment.Name, 900, 520);
    }
}
