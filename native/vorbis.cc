// Ogg Vorbis decoding with the vendored stb_vorbis (native/third_party/stb_vorbis, compiled as C in its
// own static library target of binding.gyp). src/audio/decode.ts calls it for complete single-stream Ogg
// Vorbis files and keeps libvorbis compiled to WebAssembly as the fallback and as the reference the
// output is tested against.
//
// vorbisDecode(bytes: Uint8Array, limit: number, reuse: Float32Array[] | null)
//   -> {sampleRate, channels: Float32Array[], decoded} or {error: string}
// Decodes the whole stream and keeps its first `limit` samples per channel (the caller passes the last
// page's granule position, as libvorbis' callers trim the final frame); `decoded` is the number of samples
// the stream gave before that trim. When `reuse` holds at least as many arrays as the stream has channels,
// each long enough, the samples are written into their starts and views of them are returned; otherwise
// new arrays are made. A stream that fails the checks of vorbis_check.h (whole pages with correct CRCs, a
// well-formed comment header) or that stb_vorbis rejects gives {error} (no exception), so the caller can
// fall back to the other decoder, which then decodes it or reports it.
//
// Thread safety: every call has its own decoder state; stb_vorbis' only global is a CRC table that each
// open rewrites with the same constants. Preprocessing worker threads call this at once.

#include <napi.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#define STB_VORBIS_HEADER_ONLY
#define STB_VORBIS_NO_STDIO
#define STB_VORBIS_NO_PUSHDATA_API
#include "third_party/stb_vorbis/stb_vorbis.c"
}

#include "vorbis_check.h"

namespace audeep_vorbis {
namespace {

const char* error_text(int code) {
  switch (code) {
    case VORBIS_outofmem:
      return "out of memory";
    case VORBIS_feature_not_supported:
      return "feature not supported (floor 0)";
    case VORBIS_too_many_channels:
      return "too many channels";
    case VORBIS_unexpected_eof:
      return "unexpected end of data";
    case VORBIS_invalid_setup:
      return "invalid setup header";
    case VORBIS_invalid_stream:
      return "invalid stream";
    case VORBIS_missing_capture_pattern:
      return "missing Ogg capture pattern";
    case VORBIS_invalid_stream_structure_version:
      return "invalid Ogg stream structure version";
    case VORBIS_continued_packet_flag_invalid:
      return "invalid continued-packet flag";
    case VORBIS_incorrect_stream_serial_number:
      return "incorrect stream serial number";
    case VORBIS_invalid_first_page:
      return "invalid first page";
    case VORBIS_bad_packet_type:
      return "bad packet type";
    case VORBIS_cant_find_last_page:
      return "cannot find the last page";
    case VORBIS_seek_failed:
      return "seek failed";
    case VORBIS_ogg_skeleton_not_supported:
      return "Ogg Skeleton streams are not supported";
    default:
      return "invalid Vorbis stream";
  }
}

struct Closer {
  void operator()(stb_vorbis* v) const { stb_vorbis_close(v); }
};

Napi::Value Fail(Napi::Env env, const std::string& message) {
  Napi::Object r = Napi::Object::New(env);
  r.Set("error", Napi::String::New(env, message));
  return r;
}

Napi::Value VorbisDecode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "bytes must be a Uint8Array");
  auto bytes = info[0].As<Napi::Uint8Array>();
  const double limit_arg = info[1].As<Napi::Number>().DoubleValue();
  if (!(limit_arg >= 0) || limit_arg > double(1u << 30)) throw Napi::RangeError::New(env, "bad sample limit");
  const size_t limit = size_t(limit_arg);
  if (bytes.ElementLength() > size_t(INT32_MAX)) return Fail(env, "file too large");

  if (const char* problem = audeep_vorbis::check_stream(bytes.Data(), bytes.ElementLength())) return Fail(env, problem);
  int err = 0;
  std::unique_ptr<stb_vorbis, Closer> v(stb_vorbis_open_memory(bytes.Data(), int(bytes.ElementLength()), &err, nullptr));
  if (!v) return Fail(env, error_text(err));
  const stb_vorbis_info vi = stb_vorbis_get_info(v.get());
  const int channels = vi.channels;
  if (channels < 1 || vi.sample_rate < 1) return Fail(env, "no channels or no sample rate");

  // Output arrays: the caller's when they fit, else new ones of `limit` samples.
  std::vector<Napi::Float32Array> out;
  bool reused = false;
  if (info.Length() > 2 && info[2].IsArray()) {
    auto reuse = info[2].As<Napi::Array>();
    if (reuse.Length() >= uint32_t(channels)) {
      reused = true;
      for (int c = 0; c < channels && reused; c++) {
        Napi::Value e = reuse.Get(uint32_t(c));
        if (!e.IsTypedArray() || e.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
            e.As<Napi::Float32Array>().ElementLength() < limit)
          reused = false;
        else
          out.push_back(e.As<Napi::Float32Array>());
      }
      if (!reused) out.clear();
    }
  }
  if (!reused)
    for (int c = 0; c < channels; c++) out.push_back(Napi::Float32Array::New(env, limit));
  std::vector<float*> dst(channels);
  for (int c = 0; c < channels; c++) dst[c] = out[c].Data();

  size_t written = 0, decoded = 0;
  for (;;) {
    int ch = 0;
    float** frame = nullptr;
    const int n = stb_vorbis_get_frame_float(v.get(), &ch, &frame);
    if (n <= 0) break;
    if (ch != channels) return Fail(env, "the channel count changes within the stream");
    decoded += size_t(n);
    const size_t keep = written < limit ? std::min(size_t(n), limit - written) : 0;
    for (int c = 0; c < channels; c++) std::memcpy(dst[c] + written, frame[c], keep * sizeof(float));
    written += keep;
  }
  const int late = stb_vorbis_get_error(v.get());
  if (late != VORBIS__no_error) return Fail(env, error_text(late));

  Napi::Array arrays = Napi::Array::New(env, channels);
  for (int c = 0; c < channels; c++) {
    Napi::Float32Array a = out[c];
    if (reused || written < limit) a = Napi::Float32Array::New(env, written, a.ArrayBuffer(), a.ByteOffset());
    arrays.Set(uint32_t(c), a);
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("sampleRate", Napi::Number::New(env, double(vi.sample_rate)));
  r.Set("channels", arrays);
  r.Set("decoded", Napi::Number::New(env, double(decoded)));
  return r;
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("vorbisDecode", Napi::Function::New(env, VorbisDecode));
}

}  // namespace audeep_vorbis
