using System.Buffers.Binary;
using System.Xml.Linq;
using ResNet.MLNet.Reports;
using ResNet.MLNet.Tests.Pipeline;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Tests.Samples.Cli;

namespace ResNet.MLNet.Tests.Samples.Reports;

/// <summary>The evaluation report of the fixture's model: every chart a valid PNG and SVG, and the page's numbers
/// those of ML.NET's Evaluate.</summary>
[Collection("Pipeline")]
public class HtmlReportTests(PipelineFixture fixture)
{
    [Fact]
    public void ReportShowsMLNetsMetricsWithChartsAsPngAndSvg()
    {
        using var dir = new TempDir();
        var ml = fixture.Context;
        var metrics = ml.MulticlassClassification.Evaluate(fixture.Model.Transform(fixture.Test));
        var names = fixture.Classifier.ClassNames;
        var index = HtmlReport.Write(dir.Path, new EvaluationReport
        {
            Title = "fixture <model>", ClassNames = names, Metrics = metrics, History = fixture.Classifier.History,
        });
        var html = File.ReadAllText(index);
        Assert.Contains("fixture &lt;model&gt;", html); // escaped
        Assert.Contains(metrics.MicroAccuracy.ToString("P2", System.Globalization.CultureInfo.InvariantCulture), html);
        foreach (var name in names) Assert.Contains($"<th class=\"name\">{name}</th>", html);
        foreach (var chart in new[] { "error-curves", "confusion-matrix", "per-class-accuracy" })
        {
            Assert.Contains($"src=\"{chart}.png\"", html);
            var png = File.ReadAllBytes(Path.Combine(dir.Path, chart + ".png"));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            Assert.True(BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)) > 100, $"{chart}.png is too narrow");
            var svg = XDocument.Load(Path.Combine(dir.Path, chart + ".svg"));
            Assert.Equal("svg", svg.Root!.Name.LocalName);
        }
        // The confusion table rows are ML.NET's counts.
        for (int t = 0; t < names.Count; t++)
            Assert.Contains($"<tr><th class=\"name\">{names[t]}</th>" + string.Concat(metrics.ConfusionMatrix.Counts[t].Select(v => $"<td>{v:N0}</td>")), html);
    }

    [Fact]
    public void CliEvaluateWritesTheReport()
    {
        using var dir = new TempDir();
        var model = dir.File("model.zip");
        fixture.Context.Model.Save(fixture.Model, fixture.Context.Data.LoadImagesFromDirectory(fixture.TrainFolder).Schema, model);
        var report = dir.File("report");
        var run = CliTests.Cli("evaluate", model, fixture.TestFolder, "--report", report);
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.True(File.Exists(Path.Combine(report, "index.html")));
        Assert.True(File.Exists(Path.Combine(report, "confusion-matrix.png")));
    }
}
