using System.CommandLine;
using Microsoft.ML;
using ResNet.MLNet.Data.Sources;

namespace ResNet.MLNet.Cli;

/// <summary><c>predict MODEL IMAGE...</c>: prints the top-k classes with probabilities for each image (or each image in a folder);
/// an image that cannot be classified gets one error line and the exit code becomes 1.</summary>
internal static class PredictCommand
{
    internal sealed class Input
    {
        public string ImagePath { get; set; } = "";
        // The saved chain starts with MapValueToKey("Label"), as ML.NET pipelines do: the input type carries the column.
        public string Label { get; set; } = "";
    }

    internal sealed class Output
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model zip written by 'train'" };
        var images = new Argument<string[]>("images") { Description = "Image files or folders", Arity = ArgumentArity.OneOrMore };
        var top = new Option<int>("--top", "-k") { Description = "How many classes to show per image", DefaultValueFactory = _ => 3 };
        var tsv = new Option<bool>("--tsv") { Description = "Print every class probability at full precision, tab-separated (file, then one column per class)" };
        var command = new Command("predict", "Classify images with a trained model") { model, images, top, tsv };
        command.SetAction(r => DataLoading.Run(() =>
        {
            var ml = new MLContext(1).UseResNetScoringDefaults();
            var loaded = ml.Model.LoadChecked(r.GetValue(model)!, out var inputSchema);
            try
            {
                var classNames = DataLoading.ClassNames(loaded, inputSchema);
                var engine = ml.Model.CreatePredictionEngine<Input, Output>(loaded);
                var files = r.GetValue(images)!.SelectMany(p => Directory.Exists(p) ? ImageFolderSource.ListImages(Path.GetFullPath(p)) : new[] { p });
                int failed = 0;
                foreach (var file in files)
                {
                    float[] score;
                    // A bad image is reported on its own line (naming it) and the others are still classified.
                    try { score = engine.Predict(new Input { ImagePath = Path.GetFullPath(file) }).Score; }
                    catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException)
                    {
                        Console.Error.WriteLine($"error: {DataLoading.Message(e)}");
                        failed++;
                        continue;
                    }
                    if (r.GetValue(tsv))
                    {
                        Console.WriteLine(string.Join('\t', score.Select(p => p.ToString("R", System.Globalization.CultureInfo.InvariantCulture)).Prepend(file)));
                        continue;
                    }
                    var best = score.Select((p, c) => (p, c)).OrderByDescending(x => x.p).Take(Math.Max(1, r.GetValue(top)));
                    Console.WriteLine($"{file}: " + string.Join(", ", best.Select(x => $"{classNames[x.c]} {x.p:P1}")));
                }
                return failed == 0 ? 0 : 1;
            }
            finally { (loaded as IDisposable)?.Dispose(); }
        }));
        return command;
    }
}
