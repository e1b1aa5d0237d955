using System.CommandLine;
using System.Diagnostics;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Data.Sources;

namespace ResNet.MLNet.Cli;

/// <summary><c>bench-decode FOLDER</c>: JPEG/PNG decode + resize to 224 + normalise throughput (images per second,
/// all cores, <see cref="ImageBatchDecoder"/>).</summary>
internal static class BenchDecodeCommand
{
    public static Command Create()
    {
        var folder = new Argument<string>("folder") { Description = "Folder of JPEG/PNG images (searched recursively)" };
        var size = new Option<int>("--size") { Description = "Output side in pixels", DefaultValueFactory = _ => 224 };
        var batch = new Option<int>("--batch") { Description = "Images per decode batch", DefaultValueFactory = _ => 64 };
        var seconds = new Option<double>("--seconds") { Description = "Approximate measuring time", DefaultValueFactory = _ => 10 };
        var compare = new Option<bool>("--compare-training") { Description = "Also measure ResNet-18 training throughput at the same size and print the ratio" };
        var command = new Command("bench-decode", "Measure image decode + resize + normalise throughput") { folder, size, batch, seconds, compare };
        command.SetAction(r => DataLoading.Run(() =>
        {
            var files = ImageFolderSource.ListImages(Path.GetFullPath(r.GetValue(folder)!)).Cast<object?>().ToList();
            if (files.Count == 0) throw new ArgumentException($"no images in {r.GetValue(folder)}");
            var decoder = new ImageBatchDecoder(new ImagePreprocessing { Width = r.GetValue(size), Height = r.GetValue(size), Channels = 3 });
            int n = Math.Min(r.GetValue(batch), files.Count);
            decoder.Decode(files.Take(n).ToList()); // warm-up
            long images = 0;
            var clock = Stopwatch.StartNew();
            for (int start = 0; clock.Elapsed.TotalSeconds < r.GetValue(seconds); start = (start + n) % files.Count)
            {
                var chunk = Enumerable.Range(start, n).Select(i => files[i % files.Count]).ToList();
                decoder.Decode(chunk);
                images += chunk.Count;
            }
            double rate = images / clock.Elapsed.TotalSeconds;
            Console.WriteLine($"decode+resize {r.GetValue(size)}+normalise: {rate:0} img/s ({images} images, {Environment.ProcessorCount} cores, {files.Count} distinct files)");
            if (r.GetValue(compare))
            {
                double training = TrainingThroughput(r.GetValue(size));
                Console.WriteLine($"resnet18 training at {r.GetValue(size)} px, batch 16: {training:0.0} img/s; decoding covers it {rate / training:0.0}x");
            }
            return 0;
        }));
        return command;
    }

    /// <summary>Images per second of ResNet-18 training steps (batch 16, random data, after one warm-up epoch).</summary>
    private static double TrainingThroughput(int size)
    {
        double Run(int images)
        {
            using var model = Models.ResNetZoo.Create(Models.ResNetArchitecture.ResNet18, 10, 3);
            var pixels = new float[images * 3 * size * size];
            var random = new Random(1);
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
            using var data = Engine.InMemoryTrainingData.FromArrays(pixels, Enumerable.Range(0, images).Select(i => (long)(i % 10)).ToArray(), 3, size, size,
                Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray());
            return new Engine.Trainer(model, new Engine.TrainerOptions { Epochs = 1, BatchSize = 16 }).Fit(data).History[0].ImagesPerSecond;
        }
        Run(16);
        return Run(48);
    }
}
