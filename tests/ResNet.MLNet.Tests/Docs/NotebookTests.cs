using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using ResNet.MLNet.Tests.Support;
using Xunit.Abstractions;

namespace ResNet.MLNet.Tests.Docs;

/// <summary>The notebooks in docs/notebooks run without the .NET Interactive kernel (not on this feed): their C# cells
/// become one program (docs/notebooks/run_notebook.py), built against this repository's projects and run.</summary>
public class NotebookTests(ITestOutputHelper output)
{
    private string Run(string notebook)
    {
        using var work = new TempDir();
        var root = Repository.Root;
        var psi = new ProcessStartInfo(PythonReference.Interpreter)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(root, "docs/notebooks/run_notebook.py"), Path.Combine(root, "docs/notebooks", notebook), "--workdir", work.Path })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(8)), $"{notebook} did not finish in 8 minutes");
        output.WriteLine(stdout);
        Assert.True(p.ExitCode == 0, $"{notebook} failed:\n{stderr.Result}");
        return stdout;
    }

    [Fact]
    public void QuickStartTrainsEvaluatesSavesLoadsAndPredicts()
    {
        var stdout = Run("quickstart.ipynb");
        var accuracy = Regex.Match(stdout, @"^accuracy ([\d.]+) %", RegexOptions.Multiline);
        Assert.True(accuracy.Success, "no accuracy line");
        Assert.True(double.Parse(accuracy.Groups[1].Value, CultureInfo.InvariantCulture) > 65, $"test accuracy {accuracy.Groups[1].Value} % after the quick start");
        Assert.Equal(5, Regex.Matches(stdout, @"^true .* predicted ", RegexOptions.Multiline).Count);
        Assert.Contains("\u001eHTML ", stdout); // the pictures were shown
    }

    [Fact]
    public void DegradationNotebookReadsTheResultsAndPlots()
    {
        var stdout = Run("degradation.ipynb");
        foreach (var (file, seed) in new[] { ("degradation-60k-6ep.csv", 1), ("degradation-60k-6ep-seed2.csv", 2) })
        {
            var networks = File.ReadLines(Path.Combine(Repository.Root, "docs/experiments/results/full", file)).Skip(1).Select(l => l.Split(',')[0]).Distinct().ToList();
            Assert.Equal(4, networks.Count);
            foreach (var network in networks)
                Assert.Contains(stdout.Split('\n'), l => l.StartsWith(network + " ", StringComparison.Ordinal) && l.Contains($"seed {seed},", StringComparison.Ordinal));
        }
        Assert.Contains("\u001eHTML ", stdout);
    }

    [Theory]
    [InlineData("quickstart.ipynb")]
    [InlineData("degradation.ipynb")]
    public void CommittedNotebookHasTheOutputsOfARun(string notebook)
    {
        // Committed with outputs (written by run_notebook.py --write): every code cell ran, in order.
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Repository.Root, "docs/notebooks", notebook)));
        var code = doc.RootElement.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("cell_type").GetString() == "code").ToList();
        Assert.Equal(Enumerable.Range(1, code.Count), code.Select(c => c.GetProperty("execution_count").GetInt32()));
        Assert.Contains(code, c => c.GetProperty("outputs").EnumerateArray().Any(o => o.GetProperty("output_type").GetString() == "display_data"));
    }
}
