using System.CommandLine;
using Microsoft.ML;

namespace ResNet.MLNet.Cli;

/// <summary><c>evaluate MODEL DATA</c>: scores labelled images and prints ML.NET's multiclass metrics and the confusion table.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model zip written by 'train'" };
        var data = new Argument<string>("data") { Description = "Image folder (one sub-folder per class) or CSV/TSV file with ImagePath,Label columns" };
        var topK = new Option<int>("--top-k") { Description = "k of the top-k accuracy", DefaultValueFactory = _ => 3 };
        var report = new Option<string?>("--report") { Description = "also write an HTML report (metrics, confusion-matrix heat map, per-class accuracy; PNG and SVG) into this folder" };
        var command = new Command("evaluate", "Evaluate a model on labelled images") { model, data, topK, report };
        command.SetAction(r => DataLoading.Run(() =>
        {
            var ml = new MLContext(1).UseResNetScoringDefaults();
            var view = DataLoading.Load(ml, r.GetValue(data)!);
            var loaded = ml.Model.LoadChecked(r.GetValue(model)!, out _);
            try
            {
                var classNames = DataLoading.ClassNames(loaded, view.Schema);
                int classes = classNames.Count;
                int k = Math.Min(r.GetValue(topK), classes);
                ml.Data.CheckLabelsKnown(view, loaded);
                var m = ml.MulticlassClassification.Evaluate(loaded.Transform(view), topKPredictionCount: k);
                Console.WriteLine($"MicroAccuracy     {m.MicroAccuracy:0.0000}");
                Console.WriteLine($"MacroAccuracy     {m.MacroAccuracy:0.0000}");
                Console.WriteLine($"LogLoss           {m.LogLoss:0.0000}");
                Console.WriteLine($"LogLossReduction  {m.LogLossReduction:0.0000}");
                Console.WriteLine($"TopKAccuracy (k={k}) {m.TopKAccuracy:0.0000}");
                Console.WriteLine();
                Reports.ConfusionTable.Print(m, classNames);
                if (r.GetValue(report) is { } folder)
                {
                    var index = Reports.HtmlReport.Write(folder, new Reports.EvaluationReport
                    {
                        Title = $"Evaluation of {Path.GetFileName(r.GetValue(model))}", ClassNames = classNames, Metrics = m,
                        Facts = new Dictionary<string, string> { ["model"] = Path.GetFullPath(r.GetValue(model)!), ["data"] = Path.GetFullPath(r.GetValue(data)!) }.ToList(),
                    });
                    Console.WriteLine($"report written to {index}");
                }
                return 0;
            }
            finally { (loaded as IDisposable)?.Dispose(); }
        }));
        return command;
    }
}
