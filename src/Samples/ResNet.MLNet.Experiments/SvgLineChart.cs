using System.Globalization;
using System.Text;

namespace ResNet.MLNet.Experiments;

/// <summary>A line of a chart: label, colour, dashed or solid, and (x, y) points.</summary>
public sealed record ChartSeries(string Label, string Colour, bool Dashed, IReadOnlyList<(double X, double Y)> Points);

/// <summary>Writes a simple line chart as standalone SVG: axes with ticks, grid, one polyline per series, legend.</summary>
public static class SvgLineChart
{
    private const int Width = 720, Height = 440, Left = 64, Right = 230, Top = 40, Bottom = 56;

    /// <summary>The SVG text of the chart.</summary>
    public static string Render(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series)
    {
        var all = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y)).ToList();
        double xMin = all.Min(p => p.X), xMax = all.Max(p => p.X);
        if (xMax == xMin) xMax = xMin + 1;
        double yMax = NiceCeiling(all.Max(p => p.Y)), yMin = 0;
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        string X(double x) => F(Left + (x - xMin) / (xMax - xMin) * plotW);
        string Y(double y) => F(Top + plotH - (y - yMin) / (yMax - yMin) * plotH);

        var svg = new StringBuilder();
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>");
        svg.AppendLine($"<text x=\"{Width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>");
        for (int i = 0; i <= 5; i++)
        {
            double y = yMin + (yMax - yMin) * i / 5;
            svg.AppendLine($"<line x1=\"{Left}\" y1=\"{Y(y)}\" x2=\"{F(Left + plotW)}\" y2=\"{Y(y)}\" stroke=\"#ddd\"/>");
            svg.AppendLine($"<text x=\"{Left - 6}\" y=\"{Y(y)}\" text-anchor=\"end\" dominant-baseline=\"middle\">{F(y * 100, "0.#")}%</text>");
        }
        for (int x = (int)Math.Ceiling(xMin); x <= xMax; x++)
        {
            svg.AppendLine($"<line x1=\"{X(x)}\" y1=\"{F(Top + plotH)}\" x2=\"{X(x)}\" y2=\"{F(Top + plotH + 5)}\" stroke=\"black\"/>");
            svg.AppendLine($"<text x=\"{X(x)}\" y=\"{F(Top + plotH + 18)}\" text-anchor=\"middle\">{x}</text>");
        }
        svg.AppendLine($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{F(plotW)}\" height=\"{F(plotH)}\" fill=\"none\" stroke=\"black\"/>");
        svg.AppendLine($"<text x=\"{F(Left + plotW / 2)}\" y=\"{Height - 14}\" text-anchor=\"middle\">{Escape(xLabel)}</text>");
        svg.AppendLine($"<text transform=\"translate(18 {F(Top + plotH / 2)}) rotate(-90)\" text-anchor=\"middle\">{Escape(yLabel)}</text>");
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            string dash = s.Dashed ? " stroke-dasharray=\"6 4\"" : "";
            var points = string.Join(" ", s.Points.Where(p => double.IsFinite(p.Y)).Select(p => $"{X(p.X)},{Y(Math.Min(p.Y, yMax))}"));
            svg.AppendLine($"<polyline points=\"{points}\" fill=\"none\" stroke=\"{s.Colour}\" stroke-width=\"2\"{dash}/>");
            foreach (var p in s.Points.Where(p => double.IsFinite(p.Y)))
                svg.AppendLine($"<circle cx=\"{X(p.X)}\" cy=\"{Y(Math.Min(p.Y, yMax))}\" r=\"2.5\" fill=\"{s.Colour}\"/>");
            double ly = Top + 10 + i * 20;
            svg.AppendLine($"<line x1=\"{F(Width - Right + 16)}\" y1=\"{F(ly)}\" x2=\"{F(Width - Right + 46)}\" y2=\"{F(ly)}\" stroke=\"{s.Colour}\" stroke-width=\"2\"{dash}/>");
            svg.AppendLine($"<text x=\"{F(Width - Right + 52)}\" y=\"{F(ly)}\" dominant-baseline=\"middle\">{Escape(s.Label)}</text>");
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    private static double NiceCeiling(double v)
    {
        foreach (double step in new[] { 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 1.0 })
            if (v <= step * 5) return Math.Ceiling(v / step) * step;
        return Math.Ceiling(v);
    }

    private static string F(double v, string format = "0.##") => v.ToString(format, CultureInfo.InvariantCulture);

    private static string Escape(string s) => s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}
