namespace ResNet.MLNet;

/// <summary>Model save/load and prediction engines (<c>mlContext.Model</c>).</summary>
public sealed class ModelOperationsCatalog
{
    internal ModelOperationsCatalog() { }

    /// <summary>Saves <paramref name="model"/> as one zip (JSON manifest + safetensors weights), replacing the file atomically.</summary>
    public void Save(ITransformer model, string filePath) => ModelSerializer.Save(model, filePath);

    /// <summary>Loads a model saved by <see cref="Save"/>; every entry is verified against its SHA-256 first.
    /// Dispose the result (a <see cref="TransformerChain{TLast}"/>) to free its weights.</summary>
    public ITransformer Load(string filePath) => ModelSerializer.Load(filePath, out _);

    /// <summary>Loads a model and returns its manifest too (architecture, class names, training options, metrics).</summary>
    public ITransformer Load(string filePath, out ModelManifest manifest) => ModelSerializer.Load(filePath, out manifest);

    /// <summary>A thread-safe engine that scores single <typeparamref name="TSource"/> examples with <paramref name="model"/>.</summary>
    public PredictionEngine<TSource, TPrediction> CreatePredictionEngine<TSource, TPrediction>(ITransformer model)
        where TSource : class where TPrediction : class, new() => new(model);
}
