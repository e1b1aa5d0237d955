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

    /// <summary>MapValue from a 0-based class index column to a key column whose key values are the label's.</summary>
    public IEstimator<ITransformer> MapIndexToKey(MLContext ml, string outputColumn, string indexColumn) => _mapIndexToKey(ml, outputColumn, indexColumn);
}

/// <summary>ML.NET's annotation kinds (its helper class is internal; these strings are its public contract).</summary>
internal static class AnnotationKinds
{
    public const string KeyValues = "KeyValues";
    public const string SlotNames = "SlotNames";
}
