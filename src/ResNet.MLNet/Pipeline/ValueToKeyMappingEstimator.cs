namespace ResNet.MLNet;

/// <summary>Learns the distinct text values of a column and maps them to keys (ML.NET's <c>MapValueToKey</c>).</summary>
public sealed class ValueToKeyMappingEstimator : IEstimator<ValueToKeyMappingTransformer>
{
    private readonly string _outputColumn, _inputColumn;
    private readonly KeyOrdinality _ordinality;

    internal ValueToKeyMappingEstimator(string outputColumnName, string? inputColumnName, KeyOrdinality ordinality)
    {
        _outputColumn = outputColumnName;
        _inputColumn = inputColumnName ?? outputColumnName;
        _ordinality = ordinality;
    }

    /// <inheritdoc/>
    public ValueToKeyMappingTransformer Fit(IDataView input)
    {
        int column = input.Schema.IndexOf(_inputColumn);
        var type = input.Schema[column].Type;
        if (type != typeof(string))
            throw new ArgumentException($"MapValueToKey needs a text column, but column '{_inputColumn}' holds {type.Name}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var values = new List<string>();
        using (var cursor = input.GetRowCursor())
        {
            while (cursor.MoveNext())
                if (cursor.GetValue(column) is string { Length: > 0 } value && seen.Add(value))
                    values.Add(value);
        }
        if (_ordinality == KeyOrdinality.ByValue) values.Sort(StringComparer.Ordinal);
        return new ValueToKeyMappingTransformer(_outputColumn, _inputColumn, values);
    }
}
