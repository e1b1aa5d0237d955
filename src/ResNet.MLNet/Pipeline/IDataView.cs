namespace ResNet.MLNet;

/// <summary>
/// A lazy, schema'd table, as ML.NET's <c>IDataView</c>: nothing is read until a cursor moves, and every cursor
/// reads the source again, so data larger than memory streams. Views are immutable and may be cursored by several
/// threads at once.
/// </summary>
public interface IDataView
{
    /// <summary>The columns.</summary>
    DataViewSchema Schema { get; }

    /// <summary>The number of rows when known without reading the data, otherwise null.</summary>
    long? GetRowCount();

    /// <summary>A new cursor positioned before the first row.</summary>
    DataViewRowCursor GetRowCursor(CancellationToken cancellationToken = default);
}

/// <summary>Moves over a view's rows; the current row's values are read by column.</summary>
public sealed class DataViewRowCursor : IDisposable
{
    private readonly IEnumerator<object?[]> _rows;

    /// <summary>The schema of the rows.</summary>
    public DataViewSchema Schema { get; }

    /// <summary>The 0-based index of the current row (−1 before the first).</summary>
    public long Position { get; private set; } = -1;

    internal DataViewRowCursor(DataViewSchema schema, IEnumerable<object?[]> rows)
    {
        Schema = schema;
        _rows = rows.GetEnumerator();
    }

    /// <summary>Advances to the next row; false at the end.</summary>
    public bool MoveNext()
    {
        if (!_rows.MoveNext()) return false;
        Position++;
        return true;
    }

    /// <summary>The value of column <paramref name="column"/> (by position) in the current row.</summary>
    public object? GetValue(int column) => _rows.Current[column];

    /// <summary>The value of column <paramref name="name"/> in the current row, as <typeparamref name="T"/>.</summary>
    public T GetValue<T>(string name)
    {
        var value = _rows.Current[Schema.IndexOf(name)];
        if (value is T t) return t;
        throw new InvalidCastException($"row {Position + 1}: column '{name}' holds {value?.GetType().Name ?? "null"}, not {typeof(T).Name}");
    }

    /// <summary>The current row's values, in schema order (a copy).</summary>
    public object?[] GetRow() => (object?[])_rows.Current.Clone();

    /// <summary>Releases the underlying reader.</summary>
    public void Dispose() => _rows.Dispose();
}
