using System.Reflection;

namespace ResNet.MLNet;

/// <summary>
/// Fills typed objects from rows (ML.NET's <c>CreateEnumerable</c>): each public settable property takes the column
/// of the same name. A key column read into a string property gives the key's value (class name); into a
/// uint property, the key itself.
/// </summary>
internal sealed class TypedRows<T> where T : class, new()
{
    private readonly (PropertyInfo Property, int Column, IReadOnlyList<string>? KeyValues)[] _bindings;

    public TypedRows(DataViewSchema schema)
    {
        var bindings = new List<(PropertyInfo, int, IReadOnlyList<string>?)>();
        foreach (var p in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            int c = schema.TryIndexOf(p.Name);
            if (c < 0) continue;
            var column = schema[c];
            bool keyAsText = column.IsKey && p.PropertyType == typeof(string);
            if (!keyAsText && !p.PropertyType.IsAssignableFrom(column.Type))
                throw new ArgumentException($"property {typeof(T).Name}.{p.Name} is {p.PropertyType.Name} but column '{p.Name}' holds {column.Type.Name}");
            bindings.Add((p, c, keyAsText ? column.KeyValues : null));
        }
        if (bindings.Count == 0)
            throw new ArgumentException($"no property of {typeof(T).Name} matches a column (columns: {string.Join(", ", schema.Select(c => c.Name))})");
        _bindings = bindings.ToArray();
    }

    public T Create(object?[] row)
    {
        var item = new T();
        foreach (var (property, column, keyValues) in _bindings)
        {
            var value = row[column];
            if (keyValues != null) value = value is uint key && key >= 1 && key <= keyValues.Count ? keyValues[(int)key - 1] : null;
            property.SetValue(item, value);
        }
        return item;
    }

    public static IEnumerable<T> Enumerate(IDataView data)
    {
        var mapper = new TypedRows<T>(data.Schema);
        return RowStreamView.Rows(data).Select(mapper.Create);
    }
}
