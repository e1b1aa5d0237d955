using System.Globalization;
using ResNet.MLNet.Engine;
using Spectre.Console;

namespace ResNet.MLNet.Demo;

/// <summary>Prints a <see cref="ClassificationReport"/>'s confusion matrix with class names and per-class recall.
/// Columns are numbered (the row labels give each number's class) so the table fits an 80-column console.</summary>
public static class ReportPrinter
{
    /// <summary>Writes the table to the console.</summary>
    public static void Print(ClassificationReport report)
    {
        var names = report.ClassNames;
        var table = new Table().Title("confusion matrix (rows: true class, columns: predicted)").Border(TableBorder.Rounded);
        table.AddColumn("true \\ predicted");
        for (int c = 0; c < names.Count; c++) table.AddColumn(new TableColumn(c.ToString(CultureInfo.InvariantCulture)).RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int t = 0; t < names.Count; t++)
        {
            var cells = new List<string> { Markup.Escape($"{t} {names[t]}") };
            long row = 0;
            for (int c = 0; c < names.Count; c++)
            {
                row += report.ConfusionMatrix[t, c];
                var v = report.ConfusionMatrix[t, c].ToString(CultureInfo.InvariantCulture);
                cells.Add(t == c ? $"[green]{v}[/]" : v);
            }
            cells.Add(row == 0 ? "-" : ((double)report.ConfusionMatrix[t, t] / row).ToString("P1", CultureInfo.InvariantCulture));
            table.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(table);
    }
}
