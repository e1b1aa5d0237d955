using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Engine;

namespace ResNet.MLNet;

/// <summary>
/// Reads the network's input pixels and the labels out of a view through an ML.NET cursor, running the preprocessing
/// on each row on the reading thread and normalising with the options' mean and standard deviation as it goes. A row
/// whose image cannot be read or decoded is named (row number and path) in the error, or skipped and reported when
/// undecodable images are to be skipped.
/// </summary>
internal static class PixelReader
{
    public sealed record Result(float[] Pixels, long[] Labels, List<SkippedImage> Skipped);

    /// <summary>Every readable row of <paramref name="input"/>: its normalised pixels (C·H·W values, in a buffer that
    /// is reused for the next row) and its 0-based class index.</summary>
    public static IEnumerable<(float[] Pixels, long Label)> Rows(IDataView input, ITransformer? preprocessing, ImageInputKind kind,
        ResNetClassifierOptions o, int classCount, Action<SkippedImage>? skip, CancellationToken token, string what)
    {
        var schema = input.Schema;
        var labelColumn = schema[o.LabelColumnName];
        var pathColumn = kind == ImageInputKind.Path ? schema[o.ImageColumnName] : (DataViewSchema.Column?)null;
        using var cursor = input.GetRowCursor(schema);
        var mapper = preprocessing?.GetRowToRowMapper(schema);
        var pixelName = ImageInput.PixelColumn(kind, o);
        using var row = mapper == null ? null : mapper.GetRow(cursor, mapper.OutputSchema.Where(c => c.Name == pixelName));
        DataViewRow source = row ?? (DataViewRow)cursor;

        int per = o.ValuesPerImage, plane = o.ImageSize * o.ImageSize;
        var mean = o.EffectiveMean;
        var scale = o.EffectiveStd.Select(s => 1f / s).ToArray();
        var getPixels = source.GetGetter<VBuffer<float>>(source.Schema[pixelName]);
        var getLabel = cursor.GetGetter<uint>(labelColumn);
        var getPath = pathColumn is { } pc ? cursor.GetGetter<ReadOnlyMemory<char>>(pc) : null;
        var buffer = default(VBuffer<float>);
        var path = default(ReadOnlyMemory<char>);
        var image = new float[per];
        uint key = 0;
        while (cursor.MoveNext())
        {
            token.ThrowIfCancellationRequested();
            getPath?.Invoke(ref path);
            string Source() => Data.Images.ImageLoader.Describe(getPath == null ? null : path.ToString(), cursor.Position, o.ImageColumnName);
            getLabel(ref key);
            if (key == 0 || key > classCount)
                throw new InvalidDataException($"{what}, {Source()}: the label in column '{o.LabelColumnName}' is missing or not one of the {classCount} training classes");
            try { getPixels(ref buffer); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var reason = Reason(e);
                if (skip == null) throw new InvalidDataException($"{what}, {Source()}: the image could not be read ({reason})", e);
                skip(new SkippedImage(Source(), reason));
                continue;
            }
            if (buffer.Length != per)
                throw new InvalidDataException($"{what}, {Source()}: {buffer.Length} pixel values, expected {o.Channels}x{o.ImageSize}x{o.ImageSize} = {per}");
            buffer.CopyTo(image);
            for (int c = 0; c < o.Channels; c++)
            {
                var span = image.AsSpan(c * plane, plane);
                for (int i = 0; i < span.Length; i++) span[i] = (span[i] - mean[c]) * scale[c];
            }
            yield return (image, key - 1);
        }
    }

    /// <summary>Reads every row of <paramref name="input"/> into one array (see <see cref="Rows"/>).</summary>
    public static Result Read(IDataView input, ITransformer? preprocessing, ImageInputKind kind, ResNetClassifierOptions o, int classCount,
        bool skipUndecodable, CancellationToken token, string what)
    {
        int per = o.ValuesPerImage;
        // One growing buffer: no per-row arrays and no second copy at the end.
        var pixels = new float[(int)Math.Min(Array.MaxLength, (input.GetRowCount() ?? 1024) * (long)per)];
        var labels = new List<long>();
        var skipped = new List<SkippedImage>();
        foreach (var (image, label) in Rows(input, preprocessing, kind, o, classCount, skipUndecodable ? skipped.Add : null, token, what))
        {
            long offset = (long)labels.Count * per;
            if (offset + per > Array.MaxLength)
                throw new InvalidOperationException($"{what}: more than {labels.Count} images of {per} values exceed one in-memory array; " +
                                                    "set MaxInMemoryTrainingBytes lower to stream the images instead");
            if (offset + per > pixels.Length) Array.Resize(ref pixels, (int)Math.Min(Array.MaxLength, Math.Max(offset + per, 2L * pixels.Length)));
            image.CopyTo(pixels.AsSpan((int)offset, per));
            labels.Add(label);
        }
        Array.Resize(ref pixels, labels.Count * per);
        return new Result(pixels, labels.ToArray(), skipped);
    }

    /// <summary>The rows of <paramref name="input"/> and the distinct labels among them, read from the label column
    /// alone (no image is decoded).</summary>
    public static (long Rows, HashSet<uint> Labels) CountLabels(IDataView input, string labelColumn, CancellationToken token)
    {
        var column = input.Schema[labelColumn];
        using var cursor = input.GetRowCursor(new[] { column });
        var get = cursor.GetGetter<uint>(column);
        var labels = new HashSet<uint>();
        long rows = 0;
        uint key = 0;
        while (cursor.MoveNext())
        {
            if ((rows & 1023) == 0) token.ThrowIfCancellationRequested();
            get(ref key);
            labels.Add(key);
            rows++;
        }
        return (rows, labels);
    }

    private static string Reason(Exception e)
    {
        while (e.InnerException != null && e is not (InvalidDataException or InvalidInputException or FileNotFoundException or DirectoryNotFoundException)) e = e.InnerException;
        return e.Message;
    }

    public static InMemoryTrainingData ToTrainingData(Result r, ResNetClassifierOptions o, IReadOnlyList<string> classNames) =>
        InMemoryTrainingData.FromArrays(r.Pixels, r.Labels, o.Channels, o.ImageSize, o.ImageSize, classNames);
}
