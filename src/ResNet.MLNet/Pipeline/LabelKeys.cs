using Microsoft.ML;
using Microsoft.ML.Data;

namespace ResNet.MLNet;

/// <summary>The key values of a label column (what <c>MapValueToKey</c> learned): the class names, and a way to build
/// <c>MapValue(class index → label value)</c> with the values' own type so <c>MapKeyToValue</c> restores them.</summary>
internal sealed class LabelKeys
{
    private readonly Func<MLContext, string, string, IEstimator<ITransformer>> _mapIndexToKey;

    /// <summary>The class names (the key values as text), by class index.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    private LabelKeys(IReadOnlyList<string> classNames, Func<MLContext, string, string, IEstimator<ITransformer>> mapIndexToKey) =>
        (ClassNames, _mapIndexToKey) = (classNames, mapIndexToKey);

    /// <summary>Checks that <paramref name="name"/> is a key column with key values and reads them.</summary>
    public static LabelKeys Read(DataViewSchema schema, string name)
    {
        var column = schema.GetColumnOrNull(name) ?? throw ColumnErrors.Missing("label", name, "LabelColumnName", schema.Select(c => c.Name));
        if (column.Type is not KeyDataViewType) throw ColumnErrors.NotAKey(name, column.Type);
        var annotation = column.Annotations.Schema.GetColumnOrNull(AnnotationKinds.KeyValues)
            ?? throw new ArgumentException($"the label column '{name}' is a key without key values: map it with MapValueToKey so the class names travel with the model");
        var itemType = ((VectorDataViewType)annotation.Type).ItemType.RawType;
        var read = typeof(LabelKeys).GetMethod(nameof(ReadTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(itemType);
        return (LabelKeys)read.Invoke(null, new object[] { column })!;
    }

    private static LabelKeys ReadTyped<T>(DataViewSchema.Column column)
    {
        var values = default(VBuffer<T>);
        column.Annotations.GetValue(AnnotationKinds.KeyValues, ref values);
        var array = values.DenseValues().ToArray();
        var names = array.Select(v => v?.ToString() ?? "").ToArray();
        return new LabelKeys(names, (ml, output, input) =>
            ml.Transforms.Conversion.MapValue(output, array.Select((v, i) => new KeyValuePair<uint, T>((uint)i, v)), input, treatValuesAsKeyType: true));
    }

    /// <summary>
    /// Throws naming the first row of <paramref name="data"/> whose label is not one of the classes
    /// <paramref name="model"/> was trained on: ML.NET's <c>MapValueToKey</c> maps such a label to a missing key, and
    /// <c>Evaluate</c> then leaves the row out silently. The label column may hold the raw values (text) or keys.
    /// </summary>
    public static void CheckKnown(IDataView data, ITransformer model, string labelColumn, string? sourceColumn)
    {
        var classes = Read(model.GetOutputSchema(data.Schema), labelColumn).ClassNames;
        var column = data.Schema[labelColumn];
        var source = sourceColumn == null ? null : data.Schema.GetColumnOrNull(sourceColumn);
        using var cursor = data.GetRowCursor(source is { } sc ? new[] { column, sc } : new[] { column });
        var path = default(ReadOnlyMemory<char>);
        var getPath = source is { Type: TextDataViewType } pc ? cursor.GetGetter<ReadOnlyMemory<char>>(pc) : null;
        Func<string?> label = column.Type switch
        {
            TextDataViewType => Text(cursor.GetGetter<ReadOnlyMemory<char>>(column), classes.ToHashSet()),
            KeyDataViewType => Key(cursor.GetGetter<uint>(column)),
            _ => throw new ArgumentException($"the label column '{labelColumn}' holds {column.Type}: checking labels needs text values or keys"),
        };
        while (cursor.MoveNext())
        {
            if (label() is not { } unseen) continue;
            getPath?.Invoke(ref path);
            throw new InvalidDataException($"row {cursor.Position + 1}{(getPath == null ? "" : $" ({path})")}: the label {unseen} in column '{labelColumn}' " +
                                           $"is not one of the {classes.Count} classes the model was trained on ({string.Join(", ", classes)}); " +
                                           "ML.NET's Evaluate would leave the row out");
        }

        static Func<string?> Text(ValueGetter<ReadOnlyMemory<char>> get, HashSet<string> known)
        {
            var value = default(ReadOnlyMemory<char>);
            return () => { get(ref value); var text = value.ToString(); return known.Contains(text) ? null : $"'{text}'"; };
        }
        static Func<string?> Key(ValueGetter<uint> get)
        {
            uint key = 0;
            return () => { get(ref key); return key == 0 ? "(a missing key: a value MapValueToKey did not learn)" : null; };
        }
    }

    /// <summary>MapValue from a 0-based class index column to a key column whose key values are the label's.</summary>
    public IEstimator<ITransformer> MapIndexToKey(MLContext ml, string outputColumn, string indexColumn) => _mapIndexToKey(ml, outputColumn, indexColumn);
}

/// <summary>ML.NET's annotation kinds (its helper class is internal; these strings are its public contract).</summary>
internal static class AnnotationKinds
{
    public const string KeyValues = "KeyValues";
    public const string SlotNames = "SlotNames";
}
