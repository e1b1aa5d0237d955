using System.Diagnostics;
using System.Text.Json;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Modules;

namespace ResNet.MLNet.Tests.Export;

/// <summary>
/// Debian's python3-onnx checker (Python/onnx_check.py) kept running for the whole test run: one interpreter start
/// and one <c>import onnx</c> for every file checked.
/// </summary>
internal static class OnnxChecker
{
    private static readonly object Gate = new();
    private static Process? _process;

    /// <summary>Checks <paramref name="path"/> (full_check); returns the script's report; fails with the checker's message.</summary>
    public static JsonElement Check(string path)
    {
        string line;
        lock (Gate)
        {
            var p = Start();
            p.StandardInput.WriteLine(path);
            p.StandardInput.Flush();
            line = p.StandardOutput.ReadLine() ?? throw new InvalidOperationException("onnx_check.py exited: " + p.StandardError.ReadToEnd());
        }
        var report = JsonDocument.Parse(line).RootElement.Clone();
        Assert.True(report.GetProperty("ok").GetBoolean(), $"onnx checker rejected {path}: {(report.TryGetProperty("error", out var e) ? e.GetString() : "")}");
        return report;
    }

    /// <summary>The number of nodes of <paramref name="op"/> in a checked model.</summary>
    public static int Count(JsonElement report, string op) =>
        report.GetProperty("ops").TryGetProperty(op, out var n) ? n.GetInt32() : 0;

    private static Process Start()
    {
        if (_process is { HasExited: false }) return _process;
        var psi = new ProcessStartInfo(PythonReference.Interpreter)
        {
            WorkingDirectory = PythonReference.ScriptDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(PythonReference.ScriptDirectory, "onnx_check.py"));
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start onnx_check.py");
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { _process.StandardInput.Close(); _process.WaitForExit(2000); } catch (InvalidOperationException) { }
        };
        return _process;
    }
}

internal static class OnnxTestModels
{
    /// <summary>Random BN affine parameters and running statistics (seeded by the caller), so that folding changes
    /// the numbers: with the defaults (γ 1, β 0, μ 0, σ² 1) a BN is nearly the identity.</summary>
    public static void RandomiseBatchNorms(Module model)
    {
        using var noGrad = Autograd.NoGrad();
        foreach (var (_, m) in model.NamedModules())
        {
            if (m is not BatchNorm2d bn) continue;
            bn.Weight.UniformInPlace(0.5, 1.5);
            bn.Bias.UniformInPlace(-0.2, 0.2);
            bn.RunningMean.UniformInPlace(-0.2, 0.2);
            bn.RunningVar.UniformInPlace(0.5, 1.5);
        }
    }

    /// <summary>libtorch's evaluation-mode logits and softmax probabilities for a batch of floats.</summary>
    public static (float[] Logits, float[] Probabilities) EvalForward(Module model, float[] pixels, params long[] shape)
    {
        model.Eval();
        using var scope = TensorScope.Begin();
        using var inference = Autograd.InferenceMode();
        var logits = model.Forward(Tensor.FromArray(pixels, shape));
        return (logits.ToArray<float>(), logits.Softmax(1).ToArray<float>());
    }

    /// <summary>Seeded standard-normal floats.</summary>
    public static float[] RandomPixels(int count, int seed, bool unit = false)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
            values[i] = unit ? random.NextSingle() : (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return values;
    }
}
