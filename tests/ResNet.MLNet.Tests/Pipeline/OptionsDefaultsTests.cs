using ResNet.MLNet.Data;
using ResNet.MLNet.Data.Images;
using ResNet.MLNet.Engine;

namespace ResNet.MLNet.Tests.Pipeline;

/// <summary>Each default has one source: the image settings are <see cref="ImagePreprocessing"/>'s and shared by both
/// options types, the trainer settings are one <see cref="TrainerOptions"/> that the flat names read and write.</summary>
public class OptionsDefaultsTests
{
    [Fact]
    public void Image_defaults_come_from_ImagePreprocessing_for_classifier_and_featurizer()
    {
        var pixels = new ImagePreprocessing();
        foreach (ResNetImageOptions o in new ResNetImageOptions[] { new ResNetClassifierOptions(), new ResNetFeaturizerOptions() })
        {
            Assert.Equal(pixels.Width, o.ImageSize);
            Assert.Equal(pixels.Channels, o.Channels);
            Assert.Equal(pixels.Resizing, o.Resizing);
            Assert.Equal(pixels.EffectiveMean, o.EffectiveMean);
            Assert.Equal(ResNetColumns.ImagePath, o.ImageColumnName);
        }
        var gray = new ResNetClassifierOptions { ImageSize = 28, Channels = 1 };
        Assert.Equal(new ImagePreprocessing { Width = 28, Height = 28, Channels = 1 }, gray.Preprocessing);
    }

    [Fact]
    public void Flat_trainer_settings_read_and_write_the_one_TrainerOptions()
    {
        Assert.Same(ResNetClassifierOptions.DefaultTraining, new ResNetClassifierOptions().Training);
        var o = new ResNetClassifierOptions { Epochs = 3, LearningRate = 0.2, Seed = 7 };
        Assert.Equal(ResNetClassifierOptions.DefaultTraining with { Epochs = 3, LearningRate = 0.2, Seed = 7 }, o.Training);
        Assert.Equal(new TrainerOptions().Momentum, o.ToTrainerOptions().Momentum);
        var custom = new ResNetClassifierOptions { Training = new TrainerOptions { Momentum = 0.5 }, BatchSize = 8 };
        Assert.Equal((0.5, 8, new TrainerOptions().Epochs), (custom.ToTrainerOptions().Momentum, custom.ToTrainerOptions().BatchSize, custom.Epochs));
    }
}
