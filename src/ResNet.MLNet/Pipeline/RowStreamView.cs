namespace ResNet.MLNet;

/// <summary>A data view defined by a schema and a function that streams its rows afresh on every cursor.</summary>
internal sealed class RowStreamView : IDataView
{
    private readonly Func<CancellationToken, IEnumerable<object?[]>> _rows;
    private readonly Func<long?> _rowCount;

    public DataViewSchema Schema { get; }

    public RowStreamView(DataViewSchema schema, Func<CancellationToken, IEnumerable<object?[]>> rows, Func<long?>? rowCount = null)
    {
        Schema = schema;
        _rows = rows;
        _rowCount = rowCount ?? (() => null);
    }

    public long? GetRowCount() => _rowCount();

    public DataViewRowCursor GetRowCursor(CancellationToken cancellationToken = default) => new(Schema, _rows(cancellationToken));

    /// <summary>Every row of <paramref name="view"/>, streamed.</summary>
    public static IEnumerable<object?[]> Rows(IDataView view, CancellationToken cancellationToken = default)
    {
        using var cursor = view.GetRowCursor(cancellationToken);
        while (cursor.MoveNext())
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return cursor.GetRow();
        }
    }
}
