using Microsoft.ML;
using Microsoft.ML.Data;
using ResNet.MLNet.Data.Idx;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Data.Sources;
using ResNet.MLNet.Export;
using ResNet.MLNet.Models;
using ResNet.MLNet.Models.Classic;
using ResNet.MLNet.Pipeline;
using ResNet.MLNet.Scoring;
using ResNet.MLNet.Tests.Pipeline;
using ResNet.MLNet.Tests.Support;
using ResNet.MLNet.Torch;
using ResNet.MLNet.Torch.Serialization;
using Xunit.Abstractions;

namespace ResNet.MLNet.Tests.Fuzz;

/// <summary>
/// Seeded mutation fuzzing of every file format the library reads (see <see cref="Mutator"/>): each case loads or is
/// refused with <see cref="ResNet.MLNet.InvalidInputException"/> naming the file; never a crash, a hang, another exception or
/// unbounded memory. <c>make fuzz</c> (FUZZ_CASES) runs many more cases.
/// </summary>
[Collection("Pipeline")]
public class FuzzTests(PipelineFixture fixture, ITestOutputHelper output) : IDisposable
{
    private readonly TempDir _dir = new();
    private FuzzRunner Runner => new(output, _dir.Path);

    public void Dispose() => _dir.Dispose();

    private static readonly Action<DecodeImageFileMapping.Input, DecodeImageBytesMapping.Output> MlNetDecode = new DecodeImageFileMapping().GetMapping();

    /// <summary>Through our native decoder (libjpeg-turbo, libpng: their longjmp and error-callback paths).</summary>
    private static void DecodeNative(string path)
    {
        var image = ImageDecoder.DecodeFile(path, path.GetHashCode() % 2 == 0 ? 3 : 1);
        Assert.Equal((long)image.Width * image.Height * image.Channels, image.Pixels.LongLength);
    }

    /// <summary>Through the step the classifier's saved chain decodes files with (ML.NET's MLImage, SkiaSharp).</summary>
    private static void DecodeMlNet(string path)
    {
        var output = new DecodeImageBytesMapping.Output();
        MlNetDecode(new DecodeImageFileMapping.Input { Bytes = File.ReadAllBytes(path), Path = path }, output);
        Assert.True(output.Image!.Width > 0);
        output.Image.Dispose();
    }

    [Fact]
    public void Jpeg()
    {
        var seeds = Seeds.Images(_dir.File("seeds"), ".jpg");
        Runner.Run("JPEG (native decoder)", seeds, FuzzRunner.Cases(1200), DecodeNative);
        Runner.Run("JPEG (ML.NET chain)", seeds, FuzzRunner.Cases(600), DecodeMlNet);
    }

    [Fact]
    public void Png()
    {
        var seeds = Seeds.Images(_dir.File("seeds"), ".png");
        Runner.Run("PNG (native decoder)", seeds, FuzzRunner.Cases(600), DecodeNative);
        Runner.Run("PNG (ML.NET chain)", seeds, FuzzRunner.Cases(300), DecodeMlNet);
    }

    [Fact]
    public void SafeTensorsFiles()
    {
        long live = TorchRuntime.LiveTensors;
        var seeds = Seeds.SafeTensorsFiles().ToList();
        void Load(string path)
        {
            foreach (var t in SafeTensors.Load(path).Values) t.Dispose();
        }
        Runner.Run("safetensors", seeds.Take(1), FuzzRunner.Cases(2000), Load);
        Runner.Run("safetensors (header fields at extremes, duplicated and reordered entries)", seeds.Skip(1), FuzzRunner.Cases(10), Load);
        Assert.Equal(live, TorchRuntime.LiveTensors);
    }

    [Fact]
    public void Onnx()
    {
        using var net = ClassicNetBuilder.Build(ClassicZoo.LeNet5(numClasses: 3, inChannels: 1));
        net.Eval();
        var bytes = OnnxExporter.Export(net, new OnnxExportOptions { Channels = 1, Height = 28, Width = 28 });
        var pixels = new float[28 * 28];
        Runner.Run("ONNX", new[] { Seeds.Onnx("lenet.onnx", bytes) }, FuzzRunner.Cases(2000), path =>
        {
            using var scorer = new OnnxScorer(path, new OnnxScorerOptions { IntraOpThreads = 1 });
            if (scorer.InputSize == pixels.Length) scorer.Run(pixels, 1);
        });
    }

    [Fact]
    public void ModelZip()
    {
        var ml = new MLContext(1);
        var path = _dir.File("model.zip");
        ml.Model.Save(fixture.Model, fixture.Test.Schema, path);
        var bytes = File.ReadAllBytes(path);
        var image = ImageFolderSource.ListImages(fixture.TestFolder).First();
        Runner.Run("model zip", new[] { Seeds.ModelZip("model.zip", bytes) }.Concat(Seeds.RebuiltZips(bytes)), FuzzRunner.Cases(300), p =>
        {
            var model = ml.Model.LoadChecked(p, out _);
            var engine = ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(model);
            Assert.Equal(4, engine.Predict(new ImageInput { ImagePath = image }).Score.Length);
        });
    }

    [Fact]
    public void Idx()
    {
        Runner.Run("IDX", Seeds.Idx(), FuzzRunner.Cases(700), path => IdxReader.Read(path));
    }

    [Fact]
    public void Cifar()
    {
        var ml = new MLContext(1);
        Runner.Run("CIFAR-10", new[] { Seeds.Cifar() }, FuzzRunner.Cases(2000), path => Rows(ml, ml.Data.LoadFromCifar10(path)));
    }

    [Fact]
    public void Csv()
    {
        var ml = new MLContext(1);
        Runner.Run("CSV", new[] { Seeds.Csv() }, FuzzRunner.Cases(2000), path => Rows(ml, ImageListSource.Load(ml.Data, path)));
    }

    private static void Rows(MLContext ml, IDataView view)
    {
        using var cursor = view.GetRowCursor(view.Schema);
        var getters = view.Schema.Where(c => c.Type is TextDataViewType).Select(c => cursor.GetGetter<ReadOnlyMemory<char>>(c)).ToList();
        var text = default(ReadOnlyMemory<char>);
        while (cursor.MoveNext())
            foreach (var g in getters) g(ref text);
    }
}
