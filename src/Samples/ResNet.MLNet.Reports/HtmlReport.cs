using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.ML.Data;
using ResNet.MLNet.Engine;

namespace ResNet.MLNet.Reports;

/// <summary>What an evaluation report shows: ML.NET's metrics, the class names in key order, and optionally the
/// training history and facts about the run (model, data, timings).</summary>
public sealed record EvaluationReport
{
    /// <summary>The report's heading.</summary>
    public required string Title { get; init; }
    /// <summary>Class names in key order (the rows and columns of the confusion matrix).</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }
    /// <summary>ML.NET's <c>MulticlassClassification.Evaluate</c> result.</summary>
    public required MulticlassClassificationMetrics Metrics { get; init; }
    /// <summary>Per-epoch training metrics (an error-curve chart is drawn when given).</summary>
    public IReadOnlyList<EpochMetrics>? History { get; init; }
    /// <summary>Name/value lines shown first (model file, data, timings …).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Facts { get; init; } = Array.Empty<KeyValuePair<string, string>>();
}

/// <summary>Writes an evaluation report: <c>index.html</c> with the metrics and tables, and its charts as PNG and SVG.</summary>
public static class HtmlReport
{
    /// <summary>Writes the report into <paramref name="directory"/> (created if needed); returns the path of index.html.</summary>
    public static string Write(string directory, EvaluationReport report)
    {
        var m = report.Metrics;
        var names = report.ClassNames;
        var counts = m.ConfusionMatrix.Counts;
        if (counts.Count != names.Count)
            throw new ArgumentException($"the confusion matrix has {counts.Count} classes but {names.Count} class names were given");
        var recall = m.ConfusionMatrix.PerClassRecall;
        var precision = m.ConfusionMatrix.PerClassPrecision;
        var charts = new List<(string Name, string Caption)>();
        if (report.History is { Count: > 0 } history)
        {
            Charts.Save(Charts.ErrorCurves("Error per epoch", history), directory, "error-curves");
            charts.Add(("error-curves", "Training (dashed) and validation (solid) error per epoch"));
        }
        Charts.Save(Charts.ConfusionHeatMap("Confusion matrix", counts, names), directory, "confusion-matrix", 760, 680);
        charts.Add(("confusion-matrix", "Confusion matrix: each cell the share of its true class"));
        Charts.Save(Charts.PerClassAccuracy("Per-class accuracy", recall, names), directory, "per-class-accuracy", 760, 60 + 36 * names.Count);
        charts.Add(("per-class-accuracy", "Per-class accuracy (recall)"));

        var inv = CultureInfo.InvariantCulture;
        string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine($"<title>{E(report.Title)}</title>");
        html.AppendLine("<style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:1em 0}" +
                        "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td.name,th.name{text-align:left}" +
                        "figure{margin:1.5em 0}img{max-width:100%}</style></head><body>");
        html.AppendLine($"<h1>{E(report.Title)}</h1>");
        if (report.Facts.Count > 0)
        {
            html.AppendLine("<table>");
            foreach (var (k, v) in report.Facts) html.AppendLine($"<tr><th class=\"name\">{E(k)}</th><td class=\"name\">{E(v)}</td></tr>");
            html.AppendLine("</table>");
        }
        html.AppendLine("<h2>Metrics (ML.NET Evaluate)</h2><table>");
        foreach (var (k, v) in new[]
                 {
                     ("micro accuracy", m.MicroAccuracy.ToString("P2", inv)), ("macro accuracy", m.MacroAccuracy.ToString("P2", inv)),
                     ("log loss", m.LogLoss.ToString("F4", inv)), ("log-loss reduction", m.LogLossReduction.ToString("F4", inv)),
                     ($"top-{m.TopKPredictionCount} accuracy", m.TopKPredictionCount > 0 ? m.TopKAccuracy.ToString("P2", inv) : "—"),
                     ("images", counts.Sum(r => r.Sum()).ToString("N0", inv)),
                 })
            html.AppendLine($"<tr><th class=\"name\">{E(k)}</th><td>{E(v)}</td></tr>");
        html.AppendLine("</table>");
        foreach (var (name, caption) in charts)
            html.AppendLine($"<figure><img src=\"{name}.png\" alt=\"{E(caption)}\"><figcaption>{E(caption)} (<a href=\"{name}.svg\">SVG</a>)</figcaption></figure>");
        html.AppendLine("<h2>Per class</h2><table><tr><th class=\"name\">class</th><th>images</th><th>precision</th><th>recall (accuracy)</th></tr>");
        for (int c = 0; c < names.Count; c++)
            html.AppendLine($"<tr><td class=\"name\">{E(names[c])}</td><td>{counts[c].Sum().ToString("N0", inv)}</td><td>{precision[c].ToString("P2", inv)}</td><td>{recall[c].ToString("P2", inv)}</td></tr>");
        html.AppendLine("</table><h2>Confusion matrix (rows: true class, columns: predicted)</h2><table><tr><th class=\"name\"></th>");
        foreach (var n in names) html.Append($"<th>{E(n)}</th>");
        html.AppendLine("</tr>");
        for (int t = 0; t < names.Count; t++)
            html.AppendLine($"<tr><th class=\"name\">{E(names[t])}</th>" + string.Concat(counts[t].Select(v => $"<td>{v.ToString("N0", inv)}</td>")) + "</tr>");
        html.AppendLine("</table></body></html>");
        var path = Path.Combine(directory, "index.html");
        File.WriteAllText(path, html.ToString());
        return path;
    }
}
