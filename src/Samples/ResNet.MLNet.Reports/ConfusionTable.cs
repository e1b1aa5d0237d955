using System.Globalization;
using Microsoft.ML.Data;
using Spectre.Console;

namespace ResNet.MLNet.Reports;

/// <summary>The one console printer of a confusion matrix (demo, CLI <c>evaluate</c>): ML.NET's metrics with class
/// names and per-class recall. Columns are numbered (the row labels give each number's class) so the table fits an
/// 80-column console.</summary>
public static class ConfusionTable
{
    /// <summary>Writes the table to the console; <paramref name="classNames"/> in key order.</summary>
    public static void Print(MulticlassClassificationMetrics metrics, IReadOnlyList<string> classNames)
    {
        var counts = metrics.ConfusionMatrix.Counts;
        var table = new Table().Title("Confusion table").Border(TableBorder.Rounded);
        table.AddColumn("true \\ predicted");
        for (int c = 0; c < counts.Count; c++) table.AddColumn(new TableColumn(c.ToString(CultureInfo.InvariantCulture)).RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int t = 0; t < counts.Count; t++)
        {
            var name = t < classNames.Count ? classNames[t] : t.ToString(CultureInfo.InvariantCulture);
            var cells = new List<string> { Markup.Escape($"{t} {name}") };
            for (int c = 0; c < counts[t].Count; c++)
            {
                var v = counts[t][c].ToString("0", CultureInfo.InvariantCulture);
                cells.Add(t == c ? $"[green]{v}[/]" : v);
            }
            cells.Add(counts[t].Sum() == 0 ? "-" : metrics.ConfusionMatrix.PerClassRecall[t].ToString("P1", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
    }
}
