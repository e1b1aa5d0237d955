namespace ResNet.MLNet.Models;

/// <summary>The shape of one convolution of a residual unit's branch (no bias; square kernel).</summary>
/// <param name="InChannels">Input channels.</param>
/// <param name="OutChannels">Output channels.</param>
/// <param name="Kernel">Kernel size (1 or 3).</param>
/// <param name="Stride">Stride.</param>
/// <param name="Groups">Groups (ResNeXt cardinality).</param>
public readonly record struct UnitConv(int InChannels, int OutChannels, int Kernel, int Stride = 1, int Groups = 1)
{
    /// <summary>"Same" padding for an odd kernel.</summary>
    public int Padding => Kernel / 2;

    /// <summary>The branch of a basic unit: two 3×3 convolutions, the first strided.</summary>
    public static UnitConv[] Basic(int inChannels, int planes, int stride) => new[]
    {
        new UnitConv(inChannels, planes, 3, stride), new UnitConv(planes, planes, 3),
    };

    /// <summary>
    /// The branch of a bottleneck unit: 1×1 reduce to <c>planes · widthPerGroup / 64 · groups</c>, grouped 3×3,
    /// 1×1 expand to <c>4 · planes</c>; the stride sits in the 3×3 (ResNet-B) or in the first 1×1 (ResNet-A).
    /// </summary>
    public static UnitConv[] Bottleneck(int inChannels, int planes, int stride, int groups = 1, int widthPerGroup = 64, bool strideInReduction = false)
    {
        int width = planes * widthPerGroup / 64 * groups;
        return new[]
        {
            new UnitConv(inChannels, width, 1, strideInReduction ? stride : 1),
            new UnitConv(width, width, 3, strideInReduction ? 1 : stride, groups),
            new UnitConv(width, planes * 4, 1),
        };
    }
}
