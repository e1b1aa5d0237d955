using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Transforms;
using ResNet.MLNet.Data;

namespace ResNet.MLNet.Cli;

/// <summary><c>bench-score MODEL.zip MODEL.onnx FOLDER</c>: the saved ML.NET model scoring image files through
/// <c>Transform</c>, ML.NET's image decoding alone, the model's scoring steps fed the same images decoded once, and a
/// raw ONNX Runtime session (batch 1, same threads) fed the same pixels, interleaved in one run; prints the scoring
/// steps' rate over raw ONNX Runtime.</summary>
internal static class BenchScoreCommand
{
    private sealed class Row
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }

    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model zip written by 'train'" };
        var onnx = new Argument<string>("onnx") { Description = "The same network as ONNX ('train --onnx')" };
        var folder = new Argument<string>("folder") { Description = "Image folder" };
        var rounds = new Option<int>("--rounds") { Description = "Measurements per side (interleaved; medians)", DefaultValueFactory = _ => 3 };
        var command = new Command("bench-score", "ML.NET pipeline scoring vs raw ONNX Runtime on the same decoded images") { model, onnx, folder, rounds };
        command.SetAction(r => DataLoading.Run(() =>
        {
            var ml = new MLContext(1).UseResNetScoringDefaults();
            var loaded = ml.Model.Load(r.GetValue(model)!, out _);
            var files = Data.Sources.ImageFolderSource.ListImages(Path.GetFullPath(r.GetValue(folder)!)).ToList();
            var view = ml.Data.LoadFromEnumerable(files.Select(f => new Row { ImagePath = f }).ToList());
            // Raw ONNX Runtime twice: its defaults (pool threads spin between runs) and with spinning off, as the
            // library's sessions run; the ratio is taken against the faster of the two.
            InferenceSession Session(bool spin)
            {
                var options = new SessionOptions
                {
                    IntraOpNumThreads = Environment.ProcessorCount, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                    LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
                };
                if (!spin) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                return new InferenceSession(r.GetValue(onnx)!, options);
            }
            using var session = Session(spin: true);
            using var quiet = Session(spin: false);
            var input = session.InputMetadata.Single();
            var shape = input.Value.Dimensions.Select((d, i) => i == 0 ? 1 : d).ToArray();
            if (input.Key != Pipeline.ChainColumns.Pixels)
                throw new InvalidDataException($"{r.GetValue(onnx)}: input '{input.Key}' is not the classifier's pixel input; export it with 'train --onnx'");
            // The network's input as the saved chain computes it: the classifier's own preprocessing (default resizing).
            var decode = ml.Transforms.ResNetImagePreprocessing(new ResNetClassifierOptions { ImageSize = (int)shape[3], Channels = (int)shape[1] }).Fit(view);
            var pixels = decode.Transform(view).GetColumn<float[]>(input.Key).ToList();
            // The classifier inside the saved chain is (preprocessing, scoring steps): the scoring steps alone, fed the
            // same images decoded once and cached, against raw ONNX Runtime fed the same pixels.
            var parts = ((TransformerChain<ITransformer>)loaded).ToList();
            int at = parts.FindIndex(p => p is TransformerChain<ITransformer>);
            var classifier = ((TransformerChain<ITransformer>)parts[at]).ToArray();
            // ML.NET's cache holds no MLImage column, so the final DropColumns (nothing to time) is left out.
            var scoringSteps = ((IEnumerable<ITransformer>)classifier[1]).Where(t => t is not ColumnSelectingTransformer).ToArray();
            var decoded = ml.Data.Cache(classifier[0].Transform(parts.Take(at).Aggregate(view, (v, t) => t.Transform(v))));
            double Seconds(Action body) { var c = Stopwatch.StartNew(); body(); return c.Elapsed.TotalSeconds; }
            void Drain(IDataView data) { using var cursor = data.GetRowCursor(data.Schema); var get = cursor.GetGetter<VBuffer<float>>(data.Schema[ResNetColumns.Score]); var b = default(VBuffer<float>); while (cursor.MoveNext()) get(ref b); }
            void DecodeOnly() { var d = decode.Transform(view); using var cursor = d.GetRowCursor(new[] { d.Schema[input.Key] }); var get = cursor.GetGetter<VBuffer<float>>(d.Schema[input.Key]); var b = default(VBuffer<float>); while (cursor.MoveNext()) get(ref b); }
            void Raw(InferenceSession s)
            {
                foreach (var p in pixels)
                {
                    using var results = s.Run(new[] { NamedOnnxValue.CreateFromTensor(input.Key, new DenseTensor<float>(p, shape)) });
                }
            }
            Drain(loaded.Transform(view)); Raw(session); Raw(quiet); DecodeOnly(); Drain(scoringSteps.Aggregate(decoded, (v, t) => t.Transform(v))); // warm-up
            var pipeline = new List<double>(); var decodeOnly = new List<double>(); var raw = new List<double>(); var rawQuiet = new List<double>(); var predecoded = new List<double>();
            for (int i = 0; i < r.GetValue(rounds); i++)
            {
                predecoded.Add(Seconds(() => Drain(scoringSteps.Aggregate(decoded, (v, t) => t.Transform(v)))));
                pipeline.Add(Seconds(() => Drain(loaded.Transform(view))));
                decodeOnly.Add(Seconds(DecodeOnly));
                raw.Add(Seconds(() => Raw(session)));
                rawQuiet.Add(Seconds(() => Raw(quiet)));
            }
            double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
            double n = files.Count, full = n / Median(pipeline), dec = n / Median(decodeOnly), rawRate = n / Median(raw), rawQuietRate = n / Median(rawQuiet);
            double scoring = n / Median(predecoded);
            Console.WriteLine($"{files.Count} images, input {string.Join("x", shape)}, {Environment.ProcessorCount} threads, {r.GetValue(rounds)} interleaved rounds, medians");
            Console.WriteLine($"ML.NET decode only (LoadImages+ResizeImages+ExtractPixels):   {dec:0} img/s");
            Console.WriteLine($"ML.NET pipeline Transform from files (decode + scoring):     {full:0} img/s");
            Console.WriteLine($"ML.NET scoring steps on the same decoded images (cached):    {scoring:0} img/s");
            Console.WriteLine($"raw ONNX Runtime InferenceSession, batch 1, same pixels:     {rawRate:0} img/s");
            Console.WriteLine($"  the same with intra-op spinning off:                       {rawQuietRate:0} img/s");
            Console.WriteLine($"pipeline scoring / raw ONNX Runtime (the faster): {scoring / Math.Max(rawRate, rawQuietRate):0.00}");
            return 0;
        }));
        return command;
    }
}
