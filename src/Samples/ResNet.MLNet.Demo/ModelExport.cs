using System.Globalization;
using System.Text.Json;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch.Serialization;

namespace ResNet.MLNet.Demo;

/// <summary>Saves a trained classifier as <c>model.safetensors</c> (torchvision-named state dict) and <c>model.json</c>
/// (architecture, class names, normalisation, metrics, options).</summary>
public static class ModelExport
{
    public static string Save(string directory, Models.ResNet model, ResNetArchitecture architecture, IReadOnlyList<string> classNames,
        float[] mean, float[] std, ClassificationReport report, TrainerOptions options)
    {
        Directory.CreateDirectory(directory);
        var weights = Path.Combine(directory, "model.safetensors");
        SafeTensors.Save(weights, model.StateDict(), new Dictionary<string, string>
        {
            ["architecture"] = architecture.ToString(),
            ["classes"] = string.Join("\n", classNames),
        });
        var description = new
        {
            architecture = architecture.ToString(),
            inputShape = new[] { model.Spec.InChannels, 28, 28 },
            classNames,
            normalization = new { mean, std },
            testMetrics = new { report.Accuracy, report.MacroAccuracy, report.LogLoss },
            options = new { options.Epochs, options.BatchSize, options.LearningRate, Schedule = options.Schedule.ToString(), options.Seed,
                Augmentation = options.Augmentation.IsEnabled, options.LabelSmoothing },
            savedAt = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
        };
        var json = Path.Combine(directory, "model.json");
        File.WriteAllText(json + ".tmp", JsonSerializer.Serialize(description, new JsonSerializerOptions { WriteIndented = true }));
        File.Move(json + ".tmp", json, overwrite: true);
        return weights;
    }
}
