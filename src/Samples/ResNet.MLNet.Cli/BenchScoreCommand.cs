using System.CommandLine;
using System.Diagnostics;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Cli;

/// <summary><c>bench-score MODEL FOLDER</c>: scoring throughput through the pipeline (decode, batch, score, rows)
/// against the raw engine scorer on the same model and already decoded images; prints the ratio.</summary>
internal static class BenchScoreCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model zip written by 'train'" };
        var folder = new Argument<string>("folder") { Description = "Image folder (one sub-folder per class)" };
        var rounds = new Option<int>("--rounds") { Description = "Passes over the folder per measurement", DefaultValueFactory = _ => 3 };
        var command = new Command("bench-score", "Compare pipeline scoring throughput with the raw engine") { model, folder, rounds };
        command.SetAction(r => DataLoading.Run(() =>
        {
            var ml = new MLContext(1);
            using var loaded = (TransformerChain<ITransformer>)ml.Model.Load(r.GetValue(model)!);
            var classifier = loaded.OfType<ResNetClassifierTransformer>().Single();
            var view = ml.Data.LoadImagesFromDirectory(r.GetValue(folder)!, useFolderNameAsLabel: false);
            var files = Data.Sources.ImageFolderSource.ListImages(Path.GetFullPath(r.GetValue(folder)!)).Cast<object?>().ToList();
            var p = classifier.Settings.Preprocessing;
            var pixels = new ImageBatchDecoder(p).Decode(files, i => (string)files[i]!);
            using var scorer = new Engine.Scorer(classifier.Model) { BatchSize = classifier.Settings.ScoringBatchSize };
            double Raw()
            {
                using var scope = TensorScope.Begin();
                var images = Tensor.FromArray(pixels, files.Count, p.Channels, p.Height, p.Width);
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < r.GetValue(rounds); i++) scorer.Probabilities(images);
                return r.GetValue(rounds) * files.Count / clock.Elapsed.TotalSeconds;
            }
            double Pipeline()
            {
                var clock = Stopwatch.StartNew();
                long rows = 0;
                for (int i = 0; i < r.GetValue(rounds); i++)
                {
                    using var cursor = classifier.Transform(view).GetRowCursor();
                    while (cursor.MoveNext()) rows++;
                }
                return rows / clock.Elapsed.TotalSeconds;
            }
            Raw(); Pipeline(); // warm-up
            double raw = Raw(), pipeline = Pipeline();
            Console.WriteLine($"raw engine (decoded tensors): {raw:0} img/s; pipeline from files: {pipeline:0} img/s; ratio {pipeline / raw:0.00} " +
                              $"({files.Count} images, {p.Width}x{p.Height}x{p.Channels}, batch {classifier.Settings.ScoringBatchSize})");
            return 0;
        }));
        return command;
    }
}
