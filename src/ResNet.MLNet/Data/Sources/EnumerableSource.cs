using System.Reflection;

namespace ResNet.MLNet.Data.Sources;

/// <summary>
/// Typed objects as a view (ML.NET's <c>LoadFromEnumerable</c>): each public readable property becomes a column of its
/// type (e.g. <c>string ImagePath</c>, <c>byte[] ImageBytes</c>, <c>string Label</c>). The collection is enumerated
/// anew by every cursor, so it may itself be lazy.
/// </summary>
public static class EnumerableSource
{
    /// <summary>The view of <paramref name="items"/>.</summary>
    public static IDataView Load<T>(IEnumerable<T> items) where T : class
    {
        var properties = Properties(typeof(T));
        var schema = new DataViewSchema(properties.Select(p => new DataViewColumn(p.Name, p.PropertyType)));
        return new RowStreamView(schema,
            _ => items.Select(item => properties.Select(p => p.GetValue(item)).ToArray()),
            () => items is IReadOnlyCollection<T> c ? c.Count : null);
    }

    /// <summary>The public readable instance properties of <paramref name="type"/>, in declaration order.</summary>
    internal static PropertyInfo[] Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0)
            .OrderBy(p => p.MetadataToken).ToArray();
}
