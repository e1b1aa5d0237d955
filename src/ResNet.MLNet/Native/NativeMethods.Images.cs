using System.Runtime.InteropServices;

namespace ResNet.MLNet.Native;

internal static partial class NativeMethods
{
    // --- image.cpp (libjpeg-turbo, libpng)
    [LibraryImport(Library)] internal static unsafe partial int rn_image_info(byte* data, long size, out int format, out int width, out int height, out int channels);
    [LibraryImport(Library)] internal static unsafe partial int rn_image_decode(byte* data, long size, int channels, byte* output, long outputSize);
}
