using ResNet.MLNet.Torch;

namespace ResNet.MLNet.Engine;

/// <summary>
/// Prepares a batch for the device it runs on: one transfer of images and labels, optional augmentation there,
/// then the memory format the network expects. Training, validation and scoring all go through it.
/// </summary>
internal static class DeviceBatch
{
    /// <summary>The images on <paramref name="device"/> (augmented when <paramref name="augment"/> is given),
    /// channels-last when asked; tensors in the caller's scope.</summary>
    public static Tensor Images(Tensor images, Device device, bool channelsLast, Func<Tensor, Tensor>? augment = null)
    {
        var x = images.To(device);
        if (augment != null) x = augment(x);
        // after augmentation: crops and flips build new tensors in the default layout
        return channelsLast ? x.Contiguous(MemoryFormat.ChannelsLast) : x;
    }

    /// <summary>Images as <see cref="Images"/> and labels, both on <paramref name="device"/>.</summary>
    public static (Tensor Images, Tensor Labels) Prepare(Tensor images, Tensor labels, Device device, bool channelsLast,
        Func<Tensor, Tensor>? augment = null) =>
        (Images(images, device, channelsLast, augment), labels.To(device));
}
