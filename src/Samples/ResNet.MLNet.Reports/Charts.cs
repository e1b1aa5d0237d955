using OxyPlot;
using OxyPlot.Axes;
using OxyPlot.Legends;
using OxyPlot.Series;

namespace ResNet.MLNet.Reports;

/// <summary>A line of a chart: label, colour (#rrggbb), dashed or solid, and (x, y) points.</summary>
public sealed record ChartSeries(string Label, string Colour, bool Dashed, IReadOnlyList<(double X, double Y)> Points);

/// <summary>The charts of reports and experiments, drawn with OxyPlot and written as PNG and SVG.</summary>
public static class Charts
{
    /// <summary>Colours given to runs in turn.</summary>
    public static readonly string[] Palette = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b" };

    /// <summary>A line chart, e.g. error per epoch (dashed: training, solid: test).</summary>
    public static PlotModel Lines(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Legends.Add(new Legend { LegendPosition = LegendPosition.RightTop, LegendPlacement = LegendPlacement.Outside });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Title = xLabel, MajorGridlineStyle = LineStyle.Dot });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Left, Title = yLabel, MajorGridlineStyle = LineStyle.Dot, Minimum = 0 });
        foreach (var s in series)
        {
            var line = new LineSeries
            {
                Title = s.Label, Color = OxyColor.Parse(s.Colour), LineStyle = s.Dashed ? LineStyle.Dash : LineStyle.Solid,
                MarkerType = MarkerType.Circle, MarkerSize = 2.5,
            };
            line.Points.AddRange(s.Points.Where(p => double.IsFinite(p.Y)).Select(p => new DataPoint(p.X, p.Y)));
            model.Series.Add(line);
        }
        return model;
    }

    /// <summary>Training (dashed) and validation (solid) error per epoch of one run.</summary>
    public static PlotModel ErrorCurves(string title, IReadOnlyList<Engine.EpochMetrics> history)
    {
        var series = new List<ChartSeries>
        {
            new("training", Palette[0], true, history.Select(m => ((double)m.Epoch, 1 - m.TrainAccuracy)).ToList()),
        };
        if (history.Any(m => m.ValidationAccuracy != null))
            series.Add(new("validation", Palette[1], false, history.Where(m => m.ValidationAccuracy != null)
                .Select(m => ((double)m.Epoch, 1 - m.ValidationAccuracy!.Value)).ToList()));
        return Lines(title, "epoch", "error", series);
    }

    /// <summary>A confusion-matrix heat map: rows the true class, columns the predicted one, each cell the share of its
    /// row (so classes of different sizes compare), annotated with the count.</summary>
    public static PlotModel ConfusionHeatMap(string title, IReadOnlyList<IReadOnlyList<double>> counts, IReadOnlyList<string> classNames)
    {
        int n = classNames.Count;
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Bottom, Title = "predicted", ItemsSource = classNames, Angle = -45, GapWidth = 0 });
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, Title = "true", ItemsSource = classNames, StartPosition = 1, EndPosition = 0, GapWidth = 0 });
        model.Axes.Add(new LinearColorAxis { Position = AxisPosition.Right, Palette = OxyPalette.Interpolate(200, OxyColors.White, OxyColor.Parse("#08306b")), Minimum = 0, Maximum = 1, Title = "share of the true class" });
        var share = new double[n, n];
        var labels = new List<(int Row, int Column, double Count)>();
        for (int t = 0; t < n; t++)
        {
            double total = counts[t].Sum();
            for (int p = 0; p < n; p++)
            {
                // HeatMapSeries indexes [x, y]: x the predicted class (column), y the true class (row).
                share[p, t] = total > 0 ? counts[t][p] / total : 0;
                labels.Add((t, p, counts[t][p]));
            }
        }
        model.Series.Add(new HeatMapSeries
        {
            X0 = 0, X1 = n - 1, Y0 = 0, Y1 = n - 1, Data = share, RenderMethod = HeatMapRenderMethod.Rectangles,
            LabelFontSize = n <= 12 ? 0.25 : 0, LabelFormatString = "0.00",
        });
        return model;
    }

    /// <summary>Per-class accuracy (recall: the share of each class's images predicted as that class), as bars.</summary>
    public static PlotModel PerClassAccuracy(string title, IReadOnlyList<double> recall, IReadOnlyList<string> classNames)
    {
        var model = new PlotModel { Title = title, Background = OxyColors.White };
        model.Axes.Add(new CategoryAxis { Position = AxisPosition.Left, ItemsSource = classNames, StartPosition = 1, EndPosition = 0 });
        model.Axes.Add(new LinearAxis { Position = AxisPosition.Bottom, Minimum = 0, Maximum = 1, Title = "accuracy", MajorGridlineStyle = LineStyle.Dot });
        var bars = new BarSeries { FillColor = OxyColor.Parse(Palette[0]), LabelFormatString = "{0:P1}", LabelPlacement = LabelPlacement.Inside, TextColor = OxyColors.White };
        bars.Items.AddRange(recall.Select(r => new BarItem(r)));
        model.Series.Add(bars);
        return model;
    }

    /// <summary>Writes <paramref name="model"/> as <c>NAME.png</c> and <c>NAME.svg</c> in <paramref name="directory"/>;
    /// returns the two paths.</summary>
    public static (string Png, string Svg) Save(PlotModel model, string directory, string name, int width = 800, int height = 480)
    {
        Directory.CreateDirectory(directory);
        var png = Path.Combine(directory, name + ".png");
        var svg = Path.Combine(directory, name + ".svg");
        using (var f = File.Create(png)) new OxyPlot.SkiaSharp.PngExporter { Width = width, Height = height }.Export(model, f);
        using (var f = File.Create(svg)) new SvgExporter { Width = width, Height = height }.Export(model, f);
        return (png, svg);
    }
}
