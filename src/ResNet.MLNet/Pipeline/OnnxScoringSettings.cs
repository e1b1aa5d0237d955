using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Transforms.Onnx;

namespace ResNet.MLNet;

/// <summary>ONNX Runtime session settings for ML.NET's OnnxTransformer, in one place.</summary>
internal static class OnnxScoringSettings
{
    public static OnnxSessionOptions SessionOptions(int? threads)
    {
        int intra = threads ?? Environment.ProcessorCount;
        if (intra < 1) throw new ArgumentException($"threads must be at least 1, got {intra}");
        return new OnnxSessionOptions
        {
            IntraOpNumThreads = intra,
            InterOpNumThreads = 1,
            PerSessionThreads = true,
            EnableCpuMemArena = true,
            EnableMemoryPattern = true,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            LogVerbosityLevel = 0,
            // ML.NET 5.0.1 builds its session from this factory when one is set (checked); it is the only place the
            // log severity can be set, so ONNX Runtime's warnings ("Removing initializer ...") stay off stderr. The
            // properties above say the same, so the settings hold whichever ML.NET reads.
            CreateSessionOptions = () =>
            {
                var options = new SessionOptions
                {
                    IntraOpNumThreads = intra,
                    InterOpNumThreads = 1,
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                    LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
                };
                // ONNX Runtime's pool threads spin after each run by default. In an ML.NET pipeline the calling thread
                // decodes the next image between runs, and servers run other work: spinning threads then steal its
                // cores. Measured with 'resnet-mlnet bench-score' (docs/pipeline.md): off scores faster here.
                options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                return options;
            },
        };
    }
}
