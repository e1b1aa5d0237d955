namespace ResNet.MLNet.Models;

/// <summary>
/// Where BN, ReLU and the addition sit in a residual unit: the five variants compared in He et al. 2016,
/// "Identity Mappings in Deep Residual Networks", Fig. 4. Written for a basic unit (a bottleneck repeats the
/// middle step once more); <c>x</c> is the unit's input and <c>s(x)</c> its shortcut.
/// </summary>
public enum UnitKind
{
    /// <summary>(a) original: <c>relu(bn(conv(relu(bn(conv(x))))) + s(x))</c>.</summary>
    Original,
    /// <summary>(b) BN after addition: <c>relu(bn(conv(relu(bn(conv(x)))) + s(x)))</c>.</summary>
    BnAfterAddition,
    /// <summary>(c) ReLU before addition: <c>relu(bn(conv(relu(bn(conv(x)))))) + s(x)</c>.</summary>
    ReluBeforeAddition,
    /// <summary>(d) ReLU-only pre-activation: <c>bn(conv(relu(bn(conv(relu(x)))))) + s(x)</c>; a ReLU follows the last unit.</summary>
    ReluOnlyPreActivation,
    /// <summary>
    /// (e) full pre-activation (ResNet v2): <c>conv(relu(bn(conv(relu(bn(x)))))) + s(x)</c>. A projection shortcut
    /// (a 1×1 convolution without BN) reads the pre-activated input; the network's first unit reuses the stem's
    /// BN-ReLU instead of its own, and a BN-ReLU (<c>norm</c>) follows the last unit.
    /// </summary>
    FullPreActivation,
}
