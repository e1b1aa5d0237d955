namespace ResNet.MLNet;

/// <summary>
/// Maps text values to keys (1-based <see cref="uint"/>; the learned values travel as the column's key values).
/// Reading a value that was not seen at fitting time fails, naming the value, the row and the column, so a test set
/// with a class the model never saw is caught rather than scored as wrong. A view without the input column passes
/// through unchanged, so the same fitted pipeline also scores unlabelled data.
/// </summary>
public sealed class ValueToKeyMappingTransformer : ITransformer
{
    private readonly Dictionary<string, uint> _keys;

    /// <summary>The output column.</summary>
    public string OutputColumnName { get; }
    /// <summary>The input (text) column.</summary>
    public string InputColumnName { get; }
    /// <summary>The learned values; key k stands for KeyValues[k − 1].</summary>
    public IReadOnlyList<string> KeyValues { get; }

    /// <summary>Creates the mapping from learned <paramref name="keyValues"/>.</summary>
    public ValueToKeyMappingTransformer(string outputColumnName, string inputColumnName, IReadOnlyList<string> keyValues)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName;
        KeyValues = keyValues.ToArray();
        _keys = new Dictionary<string, uint>(StringComparer.Ordinal);
        for (int i = 0; i < KeyValues.Count; i++) _keys.Add(KeyValues[i], (uint)(i + 1));
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        int i = inputSchema.TryIndexOf(InputColumnName);
        if (i < 0) return inputSchema;
        if (inputSchema[i].Type != typeof(string))
            throw new ArgumentException($"MapValueToKey needs a text column, but column '{InputColumnName}' holds {inputSchema[i].Type.Name}");
        return inputSchema.With(new DataViewColumn(OutputColumnName, typeof(uint), KeyValues));
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        var schema = GetOutputSchema(input.Schema);
        int source = input.Schema.TryIndexOf(InputColumnName);
        if (source < 0) return input;
        int target = schema.IndexOf(OutputColumnName);
        return new RowStreamView(schema, token => Map(input, source, target, schema.Count, token), input.GetRowCount);
    }

    private IEnumerable<object?[]> Map(IDataView input, int source, int target, int width, CancellationToken token)
    {
        long row = 0;
        foreach (var values in RowStreamView.Rows(input, token))
        {
            row++;
            var output = values.Length == width ? values : values.Append(null).ToArray();
            var text = values[source] as string;
            if (string.IsNullOrEmpty(text)) output[target] = 0u;
            else if (_keys.TryGetValue(text, out var key)) output[target] = key;
            else
                throw new InvalidDataException($"row {row}: value '{text}' of column '{InputColumnName}' was not seen when the mapping was " +
                                               $"fitted (known values: {string.Join(", ", KeyValues)})");
            yield return output;
        }
    }
}
