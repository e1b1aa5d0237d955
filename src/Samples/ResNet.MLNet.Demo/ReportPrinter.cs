using System.Globalization;
using ResNet.MLNet.Engine;
using Spectre.Console;

namespace ResNet.MLNet.Demo;

/// <summary>Prints a <see cref="ClassificationReport"/>'s confusion matrix with class names and per-class recall.</summary>
public static class ReportPrinter
{
    public static void Print(ClassificationReport report)
    {
        var names = report.ClassNames;
        var table = new Table().Title("confusion matrix (rows: true class, columns: predicted)").Border(TableBorder.Rounded);
        table.AddColumn("true \\ predicted");
        foreach (var n in names) table.AddColumn(new TableColumn(Markup.Escape(Short(n))).RightAligned());
        table.AddColumn(new TableColumn("recall").RightAligned());
        for (int t = 0; t < names.Count; t++)
        {
            var cells = new List<string> { Markup.Escape(names[t]) };
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

    private static string Short(string name) => name.Length <= 8 ? name : name[..8];
}
