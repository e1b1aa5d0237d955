using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Engine;
using ResNet.MLNet.Models;
using ResNet.MLNet.Torch;

namespace ResNet.MLNet;

/// <summary>
/// A trained residual network as a transformer: adds <c>Score</c> (softmax probabilities, float[], slot names = class
/// names) and <c>PredictedLabel</c> (key whose values are the class names). Scoring is batched
/// (<see cref="ClassifierSettings.ScoringBatchSize"/> images per forward pass, BN folded) and the next batch decodes
/// while the current one is scored. Immutable and safe to use from several threads; dispose it to free the weights.
/// </summary>
public sealed class ResNetClassifierTransformer : ITransformer, IDisposable
{
    private readonly Lazy<Scorer> _scorer;
    private readonly ImageBatchDecoder _decoder;

    /// <summary>The trained network (CPU, evaluation mode). Owned by this transformer.</summary>
    public ResNet.MLNet.Models.ResNet Model { get; }
    /// <summary>Architecture, preprocessing, class names and columns.</summary>
    public ClassifierSettings Settings { get; }
    /// <summary>The class names, by class index.</summary>
    public IReadOnlyList<string> ClassNames => Settings.ClassNames;
    /// <summary>The training settings (as saved in the model manifest).</summary>
    public IReadOnlyDictionary<string, string> TrainingOptions { get; }
    /// <summary>Per-epoch training metrics.</summary>
    public IReadOnlyList<EpochMetrics> History { get; }
    /// <summary>Training images left out because they could not be decoded (with <see cref="ResNetClassifierOptions.SkipUndecodableImages"/>).</summary>
    public IReadOnlyList<SkippedImage> SkippedImages { get; }
    /// <summary>Where scoring runs.</summary>
    public Device Device { get; }

    internal ResNetClassifierTransformer(ResNet.MLNet.Models.ResNet model, ClassifierSettings settings, IReadOnlyDictionary<string, string> trainingOptions,
        IReadOnlyList<EpochMetrics> history, IReadOnlyList<SkippedImage> skipped, Device device)
    {
        Model = model;
        Model.Eval();
        Settings = settings;
        TrainingOptions = trainingOptions;
        History = history;
        SkippedImages = skipped;
        Device = device;
        _decoder = new ImageBatchDecoder(settings.Preprocessing);
        _scorer = new Lazy<Scorer>(() => new Scorer(Model, Device) { BatchSize = settings.ScoringBatchSize }, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ImageColumnReader.CheckImageColumn(inputSchema, Settings.ImageColumnName);
        return inputSchema
            .With(new DataViewColumn(Settings.ScoreColumnName, typeof(float[]), SlotNames: ClassNames))
            .With(new DataViewColumn(Settings.PredictedLabelColumnName, typeof(uint), KeyValues: ClassNames));
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        var schema = GetOutputSchema(input.Schema);
        return new RowStreamView(schema, token => Score(input, schema, token), input.GetRowCount);
    }

    /// <summary>Softmax probabilities (N × classes, row-major) of image values (paths, bytes or decoded images).</summary>
    public float[] PredictProbabilities(IReadOnlyList<object?> images, Func<int, string>? describe = null)
    {
        var pixels = _decoder.Decode(images, describe ?? (i => ImageLoader.Describe(images[i], i, Settings.ImageColumnName)));
        using var scope = TensorScope.Begin();
        var p = Settings.Preprocessing;
        return _scorer.Value.Probabilities(Tensor.FromArray(pixels, images.Count, p.Channels, p.Height, p.Width));
    }

    private IEnumerable<object?[]> Score(IDataView input, DataViewSchema schema, CancellationToken token)
    {
        int image = input.Schema.IndexOf(Settings.ImageColumnName);
        int score = schema.IndexOf(Settings.ScoreColumnName), predicted = schema.IndexOf(Settings.PredictedLabelColumnName);
        int k = ClassNames.Count;
        long firstRow = 0;
        Task<(List<object?[]> Rows, float[] Pixels)>? next = null;
        using var chunks = Chunks(input, token).GetEnumerator();
        (List<object?[]> Rows, float[] Pixels) Decode(List<object?[]> rows, long first) =>
            (rows, _decoder.Decode(rows.Select(r => r[image]).ToArray(), i => ImageLoader.Describe(rows[i][image], first + i, Settings.ImageColumnName), token));
        Task<(List<object?[]> Rows, float[] Pixels)>? Start(long first)
        {
            if (!chunks.MoveNext()) return null;
            var rows = chunks.Current;
            return Task.Run(() => Decode(rows, first), token);
        }
        // The first chunk decodes on the caller's thread (a single prediction needs no hand-off); later ones are
        // decoded on the thread pool while the previous chunk is scored.
        next = chunks.MoveNext() ? Task.FromResult(Decode(chunks.Current, firstRow)) : null;
        while (next != null)
        {
            var (rows, pixels) = next.GetAwaiter().GetResult();
            next = Start(firstRow + rows.Count);
            float[] probabilities;
            using (var scope = TensorScope.Begin())
            {
                var p = Settings.Preprocessing;
                probabilities = _scorer.Value.Probabilities(Tensor.FromArray(pixels, rows.Count, p.Channels, p.Height, p.Width));
            }
            for (int r = 0; r < rows.Count; r++)
            {
                var output = new object?[schema.Count];
                Array.Copy(rows[r], output, rows[r].Length);
                var row = probabilities.AsSpan(r * k, k);
                output[score] = row.ToArray();
                output[predicted] = (uint)(ArgMax(row) + 1);
                yield return output;
            }
            firstRow += rows.Count;
        }
    }

    private IEnumerable<List<object?[]>> Chunks(IDataView input, CancellationToken token)
    {
        var chunk = new List<object?[]>(Settings.ScoringBatchSize);
        foreach (var row in RowStreamView.Rows(input, token))
        {
            chunk.Add(row);
            if (chunk.Count == Settings.ScoringBatchSize) { yield return chunk; chunk = new List<object?[]>(Settings.ScoringBatchSize); }
        }
        if (chunk.Count > 0) yield return chunk;
    }

    /// <summary>The index of the largest value (the first one on ties).</summary>
    internal static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int c = 1; c < values.Length; c++) if (values[c] > values[best]) best = c;
        return best;
    }

    /// <summary>Frees the network and its folded scoring copy.</summary>
    public void Dispose()
    {
        if (_scorer.IsValueCreated) _scorer.Value.Dispose();
        Model.Dispose();
    }
}
