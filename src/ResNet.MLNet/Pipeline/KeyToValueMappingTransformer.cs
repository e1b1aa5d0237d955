namespace ResNet.MLNet;

/// <summary>Maps a key column back to its text values (ML.NET's <c>MapKeyToValue</c>); key 0 (missing) becomes null.
/// Being stateless, it is its own estimator.</summary>
public sealed class KeyToValueMappingTransformer : ITransformer, IEstimator<KeyToValueMappingTransformer>
{
    /// <summary>The output (text) column.</summary>
    public string OutputColumnName { get; }
    /// <summary>The input key column.</summary>
    public string InputColumnName { get; }

    /// <summary>Maps <paramref name="inputColumnName"/> (default: the output name) to text.</summary>
    public KeyToValueMappingTransformer(string outputColumnName, string? inputColumnName = null)
    {
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName ?? outputColumnName;
    }

    /// <inheritdoc/>
    public KeyToValueMappingTransformer Fit(IDataView input)
    {
        GetOutputSchema(input.Schema);
        return this;
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        var column = inputSchema[InputColumnName];
        if (!column.IsKey) throw new ArgumentException($"MapKeyToValue needs a key column, but column '{InputColumnName}' holds {column.Type.Name}");
        return inputSchema.With(new DataViewColumn(OutputColumnName, typeof(string)));
    }

    /// <inheritdoc/>
    public IDataView Transform(IDataView input)
    {
        var schema = GetOutputSchema(input.Schema);
        int source = input.Schema.IndexOf(InputColumnName), target = schema.IndexOf(OutputColumnName);
        var keyValues = input.Schema[source].KeyValues!;
        return new RowStreamView(schema, token => RowStreamView.Rows(input, token).Select(values =>
        {
            var output = values.Length == schema.Count ? values : values.Append(null).ToArray();
            output[target] = values[source] is uint key && key >= 1 && key <= keyValues.Count ? keyValues[(int)key - 1] : null;
            return output;
        }), input.GetRowCount);
    }
}
