namespace ResNet.MLNet;

/// <summary>
/// One column of a data view: its name, the .NET type of its values and, for key columns, the key values
/// (a key is a <see cref="uint"/>: 1..Count for KeyValues[key − 1], 0 for missing, as in ML.NET), and for vector
/// columns optional slot names (e.g. Score's class names).
/// </summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The type of its values (string, float, float[], byte[], uint for keys, DecodedImage, ...).</param>
/// <param name="KeyValues">For key columns: the value of each key (key k names KeyValues[k − 1]).</param>
/// <param name="SlotNames">For vector columns: the name of each slot.</param>
public sealed record DataViewColumn(string Name, Type Type, IReadOnlyList<string>? KeyValues = null, IReadOnlyList<string>? SlotNames = null)
{
    /// <summary>Whether this is a key column.</summary>
    public bool IsKey => KeyValues != null;

    /// <inheritdoc/>
    public override string ToString() => IsKey ? $"{Name}: Key<{KeyValues!.Count}>" : $"{Name}: {Type.Name}";
}

/// <summary>The ordered columns of a data view. Lookups by name are case-sensitive, as in ML.NET.</summary>
public sealed class DataViewSchema : IReadOnlyList<DataViewColumn>
{
    private readonly DataViewColumn[] _columns;

    /// <summary>Creates a schema; column names must be unique.</summary>
    public DataViewSchema(IEnumerable<DataViewColumn> columns)
    {
        _columns = columns.ToArray();
        var duplicate = _columns.GroupBy(c => c.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate != null) throw new ArgumentException($"column '{duplicate.Key}' appears more than once");
    }

    /// <inheritdoc/>
    public int Count => _columns.Length;
    /// <inheritdoc/>
    public DataViewColumn this[int index] => _columns[index];

    /// <summary>The column called <paramref name="name"/>; throws naming the available columns when absent.</summary>
    public DataViewColumn this[string name] => _columns[IndexOf(name)];

    /// <summary>The position of <paramref name="name"/>, or −1.</summary>
    public int TryIndexOf(string name) => Array.FindIndex(_columns, c => c.Name == name);

    /// <summary>The position of <paramref name="name"/>; throws naming the available columns when absent.</summary>
    public int IndexOf(string name)
    {
        int i = TryIndexOf(name);
        if (i < 0) throw new ArgumentException($"column '{name}' not found; the data has columns: {string.Join(", ", _columns.Select(c => c.Name))}");
        return i;
    }

    /// <summary>A copy with <paramref name="column"/> replacing the column of the same name, or appended.</summary>
    public DataViewSchema With(DataViewColumn column)
    {
        var list = _columns.ToList();
        int i = TryIndexOf(column.Name);
        if (i >= 0) list[i] = column; else list.Add(column);
        return new DataViewSchema(list);
    }

    /// <inheritdoc/>
    public IEnumerator<DataViewColumn> GetEnumerator() => ((IEnumerable<DataViewColumn>)_columns).GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => string.Join(", ", _columns.Select(c => c.ToString()));
}
