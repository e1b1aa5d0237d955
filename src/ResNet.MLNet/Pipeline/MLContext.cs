namespace ResNet.MLNet;

/// <summary>
/// The entry point of the pipeline API, shaped after ML.NET's <c>MLContext</c>: catalogs for loading data
/// (<see cref="Data"/>), building transforms and the ResNet classifier (<see cref="Transforms"/>), evaluating
/// (<see cref="MulticlassClassification"/>) and saving, loading and serving models (<see cref="Model"/>).
/// </summary>
public sealed class MLContext
{
    /// <summary>The seed of every random choice made through this context (splits, initialisation, shuffling) unless an option overrides it.</summary>
    public int Seed { get; }

    /// <summary>Loading and splitting data.</summary>
    public DataOperationsCatalog Data { get; }
    /// <summary>Transforms and trainers.</summary>
    public TransformsCatalog Transforms { get; }
    /// <summary>Multiclass evaluation.</summary>
    public MulticlassClassificationCatalog MulticlassClassification { get; }
    /// <summary>Model save/load and prediction engines.</summary>
    public ModelOperationsCatalog Model { get; }

    /// <summary>Creates a context; <paramref name="seed"/> null draws one at random.</summary>
    public MLContext(int? seed = null)
    {
        Seed = seed ?? Random.Shared.Next();
        Data = new DataOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
        MulticlassClassification = new MulticlassClassificationCatalog();
        Model = new ModelOperationsCatalog();
    }
}
