using System.Globalization;
using System.Text;

namespace ResNet.MLNet;

/// <summary>Counts of (true class, predicted class) with per-class precision and recall (ML.NET's <c>ConfusionMatrix</c>).</summary>
public sealed class ConfusionMatrix
{
    /// <summary>Counts[t][p]: examples of true class t predicted as p.</summary>
    public IReadOnlyList<IReadOnlyList<double>> Counts { get; }
    /// <summary>Class names by index.</summary>
    public IReadOnlyList<string> ClassNames { get; }
    /// <summary>The number of classes.</summary>
    public int NumberOfClasses => ClassNames.Count;
    /// <summary>Per class: correct predictions of it / all predictions of it (0 when never predicted).</summary>
    public IReadOnlyList<double> PerClassPrecision { get; }
    /// <summary>Per class: correct predictions of it / its examples (0 when it has none).</summary>
    public IReadOnlyList<double> PerClassRecall { get; }

    internal ConfusionMatrix(long[,] counts, IReadOnlyList<string> classNames)
    {
        int k = counts.GetLength(0);
        ClassNames = classNames.ToArray();
        Counts = Enumerable.Range(0, k).Select(t => (IReadOnlyList<double>)Enumerable.Range(0, k).Select(p => (double)counts[t, p]).ToArray()).ToArray();
        PerClassPrecision = Enumerable.Range(0, k).Select(c =>
        {
            double column = Enumerable.Range(0, k).Sum(t => (double)counts[t, c]);
            return column == 0 ? 0 : counts[c, c] / column;
        }).ToArray();
        PerClassRecall = Enumerable.Range(0, k).Select(c =>
        {
            double row = Enumerable.Range(0, k).Sum(p => (double)counts[c, p]);
            return row == 0 ? 0 : counts[c, c] / row;
        }).ToArray();
    }

    /// <summary>The matrix as an aligned text table with a recall column and a precision row.</summary>
    public string GetFormattedConfusionTable()
    {
        int k = NumberOfClasses;
        int nameWidth = Math.Max(10, ClassNames.Max(n => n.Length) + $"{k - 1}. ".Length);
        int cell = Math.Max(7, (int)Math.Max(1, Counts.SelectMany(r => r).DefaultIfEmpty(0).Max()).ToString(CultureInfo.InvariantCulture).Length + 1);
        var sb = new StringBuilder();
        sb.AppendLine("Confusion table (rows: true class, columns: predicted class)");
        sb.Append("".PadRight(nameWidth)).Append(" |");
        for (int p = 0; p < k; p++) sb.Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(cell));
        sb.AppendLine(" | Recall");
        for (int t = 0; t < k; t++)
        {
            sb.Append($"{t}. {ClassNames[t]}".PadRight(nameWidth)).Append(" |");
            for (int p = 0; p < k; p++) sb.Append(Counts[t][p].ToString(CultureInfo.InvariantCulture).PadLeft(cell));
            sb.Append(" | ").AppendLine(PerClassRecall[t].ToString("0.0000", CultureInfo.InvariantCulture));
        }
        sb.Append("Precision".PadRight(nameWidth)).Append(" |");
        for (int p = 0; p < k; p++) sb.Append(PerClassPrecision[p].ToString("0.000", CultureInfo.InvariantCulture).PadLeft(cell));
        sb.AppendLine(" |");
        return sb.ToString();
    }
}
