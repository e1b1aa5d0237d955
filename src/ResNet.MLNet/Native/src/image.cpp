// Image decoding: JPEG through libjpeg-turbo (tjDecompressHeader3 / tjDecompress2) and PNG through libpng's
// simplified API (png_image_*). Pixels come out as interleaved 8-bit gray (1 channel) or RGB (3 channels), row-major,
// into a buffer the caller owns. Every export is guarded: a corrupt file becomes an error message, never a crash.
#include <png.h>
#include <turbojpeg.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

#include "shim.h"

namespace {

enum Format { kUnknown = 0, kJpeg = 1, kPng = 2 };

Format sniff(const uint8_t* data, int64_t size) {
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return kJpeg;
  static const uint8_t png_magic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (size >= 8 && std::memcmp(data, png_magic, 8) == 0) return kPng;
  return kUnknown;
}

struct TjHandle {
  tjhandle h = tjInitDecompress();
  ~TjHandle() {
    if (h) tjDestroy(h);
  }
};

void check_input(const uint8_t* data, int64_t size) {
  if (data == nullptr || size <= 0) throw std::invalid_argument("the image is empty (0 bytes)");
}

void jpeg_info(const uint8_t* data, int64_t size, int* width, int* height, int* channels) {
  TjHandle tj;
  if (!tj.h) throw std::runtime_error(std::string("libjpeg-turbo: ") + tjGetErrorStr());
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.h, data, static_cast<unsigned long>(size), &w, &h, &subsamp, &colorspace) != 0)
    throw std::runtime_error(std::string("corrupt JPEG header: ") + tjGetErrorStr2(tj.h));
  *width = w;
  *height = h;
  *channels = colorspace == TJCS_GRAY ? 1 : 3;
}

void jpeg_decode(const uint8_t* data, int64_t size, int channels, uint8_t* out, int64_t out_size) {
  TjHandle tj;
  int w = 0, h = 0, subsamp = 0, colorspace = 0;
  if (tjDecompressHeader3(tj.h, data, static_cast<unsigned long>(size), &w, &h, &subsamp, &colorspace) != 0)
    throw std::runtime_error(std::string("corrupt JPEG header: ") + tjGetErrorStr2(tj.h));
  if (static_cast<int64_t>(w) * h * channels != out_size)
    throw std::invalid_argument("output buffer has " + std::to_string(out_size) + " bytes, the image needs " +
                                std::to_string(static_cast<int64_t>(w) * h * channels));
  int pixel_format = channels == 1 ? TJPF_GRAY : TJPF_RGB;
  if (tjDecompress2(tj.h, data, static_cast<unsigned long>(size), out, w, 0, h, pixel_format, TJFLAG_ACCURATEDCT) != 0) {
    // Warnings (e.g. premature end of data) are errors here: a half-grey image must not train silently.
    throw std::runtime_error(std::string("corrupt JPEG data: ") + tjGetErrorStr2(tj.h));
  }
}

struct PngImage {
  png_image image;
  PngImage() {
    std::memset(&image, 0, sizeof(image));
    image.version = PNG_IMAGE_VERSION;
  }
  ~PngImage() { png_image_free(&image); }
};

void png_begin(PngImage& png, const uint8_t* data, int64_t size) {
  if (!png_image_begin_read_from_memory(&png.image, data, static_cast<size_t>(size)))
    throw std::runtime_error(std::string("corrupt PNG header: ") + png.image.message);
}

void read_png_info(const uint8_t* data, int64_t size, int* width, int* height, int* channels) {
  PngImage png;
  png_begin(png, data, size);
  *width = static_cast<int>(png.image.width);
  *height = static_cast<int>(png.image.height);
  *channels = (png.image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
}

void png_decode(const uint8_t* data, int64_t size, int channels, uint8_t* out, int64_t out_size) {
  PngImage png;
  png_begin(png, data, size);
  int64_t needed = static_cast<int64_t>(png.image.width) * png.image.height * channels;
  if (needed != out_size)
    throw std::invalid_argument("output buffer has " + std::to_string(out_size) + " bytes, the image needs " + std::to_string(needed));
  png.image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  if (!png_image_finish_read(&png.image, nullptr, out, 0, nullptr))
    throw std::runtime_error(std::string("corrupt PNG data: ") + png.image.message);
}

}  // namespace

// Format (0 unknown, 1 JPEG, 2 PNG), size and stored channels (1 gray, 3 colour) of an encoded image.
RN_EXPORT int rn_image_info(const uint8_t* data, int64_t size, int* format, int* width, int* height, int* channels) {
  return rn::guard([&] {
    check_input(data, size);
    if (!format || !width || !height || !channels) throw std::invalid_argument("output pointer is null");
    *format = sniff(data, size);
    switch (*format) {
      case kJpeg: jpeg_info(data, size, width, height, channels); break;
      case kPng: read_png_info(data, size, width, height, channels); break;
      default: throw std::invalid_argument("unsupported image format (only JPEG and PNG can be decoded)");
    }
  });
}

// Decodes an encoded image into out (width * height * channels bytes, interleaved), converting to gray (channels 1)
// or RGB (channels 3) as asked.
RN_EXPORT int rn_image_decode(const uint8_t* data, int64_t size, int channels, uint8_t* out, int64_t out_size) {
  return rn::guard([&] {
    check_input(data, size);
    if (channels != 1 && channels != 3) throw std::invalid_argument("channels must be 1 or 3, got " + std::to_string(channels));
    if (out == nullptr) throw std::invalid_argument("output buffer is null");
    switch (sniff(data, size)) {
      case kJpeg: jpeg_decode(data, size, channels, out, out_size); break;
      case kPng: png_decode(data, size, channels, out, out_size); break;
      default: throw std::invalid_argument("unsupported image format (only JPEG and PNG can be decoded)");
    }
  });
}
