// The hot loop of auDeep's spectrogram pipeline in C++: frames of a float64 signal -> mean removed ->
// periodic Hann window -> real FFT of the window length -> power -> (optionally) the sparse mel filterbank.
// It computes exactly what src/dsp/stft.ts + fft.ts + mel.ts compute in TypeScript (the reference it is
// tested against): the same mixed-radix Stockham FFT (radix 2, 3, 4, 5, 7 and any odd radix up to 61) on
// the half-length complex transform, in float64. Lengths it does not handle (odd, or with a prime factor
// above 61) return false and the caller keeps the TypeScript path.
//
// Plans (twiddles, scratch) are cached per thread, so preprocessing worker threads can call it at once.

#include <napi.h>

#include <cmath>
#include <memory>
#include <unordered_map>
#include <vector>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

namespace audeep_dsp {
namespace {

constexpr int kMaxRadix = 61;

struct Stage {
  int radix, m, stride;
  std::vector<double> tw;        // exp(-2 pi i q k / n_stage), q < m, k = 1 .. radix-1, interleaved
  std::vector<double> rc, rs;    // cos/sin(2 pi j / radix)
};

std::vector<int> factorize(int n) {
  std::vector<int> f;
  while (n % 4 == 0) {
    f.push_back(4);
    n /= 4;
  }
  for (int p = 2; p * p <= n; p++)
    while (n % p == 0) {
      f.push_back(p);
      n /= p;
    }
  if (n > 1) f.push_back(n);
  return f;
}

/** Plain views of a plan for the per-ISA bodies (dsp_body.inc). */
struct StageView {
  int radix, m, stride;
  const double* tw;
  const double* rc;
  const double* rs;
};

struct PlanView {
  int n;  // real frame length
  int nstages;
  const StageView* stages;
  const double* twiddle;  // exp(-2 pi i k / n), k <= n/2
};

#define DSP_V 4
namespace portable_impl {
#include "dsp_body.inc"
}  // namespace portable_impl
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2_impl {
#include "dsp_body.inc"
}  // namespace avx2_impl
#pragma GCC pop_options
#define DSP_HAVE_AVX2 1
#endif
#undef DSP_V

/** Complex DFT of a fixed length made of factors <= kMaxRadix. */
struct ComplexPlan {
  int n = 0;
  bool ok = false;
  std::vector<Stage> stages;

  explicit ComplexPlan(int size) : n(size) {
    int rest = size, stride = 1;
    for (int radix : factorize(size)) {
      if (radix > kMaxRadix) return;
      Stage st;
      st.radix = radix;
      st.m = rest / radix;
      st.stride = stride;
      st.tw.resize(2L * st.m * (radix - 1));
      for (int q = 0; q < st.m; q++)
        for (int k = 1; k < radix; k++) {
          const double angle = (-2 * M_PI * double((long(q) * k) % rest)) / rest;
          const long at = 2L * (long(q) * (radix - 1) + k - 1);
          st.tw[at] = std::cos(angle);
          st.tw[at + 1] = std::sin(angle);
        }
      st.rc.resize(radix);
      st.rs.resize(radix);
      for (int j = 0; j < radix; j++) {
        st.rc[j] = std::cos(2 * M_PI * j / radix);
        st.rs[j] = std::sin(2 * M_PI * j / radix);
      }
      stages.push_back(std::move(st));
      rest /= radix;
      stride *= radix;
    }
    ok = true;
  }
};

/** Everything a frame length needs: the half-length complex plan, split twiddles, views, scratch. */
struct PowerPlan {
  int n;
  ComplexPlan half;
  std::vector<double> twiddle;
  std::vector<StageView> views;
  PlanView view{};
  std::vector<double> scratch;

  explicit PowerPlan(int size) : n(size), half(size / 2) {
    const int h = size / 2;
    twiddle.resize(2L * (h + 1));
    for (int k = 0; k <= h; k++) {
      const double angle = 2 * M_PI * k / size;
      twiddle[2 * k] = std::cos(angle);
      twiddle[2 * k + 1] = -std::sin(angle);
    }
    for (const Stage& st : half.stages) views.push_back({st.radix, st.m, st.stride, st.tw.data(), st.rc.data(), st.rs.data()});
    view = {size, int(views.size()), views.data(), twiddle.data()};
    scratch.resize((3L * size + h + 1) * 4);
  }
};

PowerPlan* plan_for(int n) {
  thread_local std::unordered_map<int, std::unique_ptr<PowerPlan>> plans;
  auto it = plans.find(n);
  if (it == plans.end()) it = plans.emplace(n, std::make_unique<PowerPlan>(n)).first;
  return it->second.get();
}

template <typename T>
T* typed(const Napi::Env& env, const Napi::Value& v, napi_typedarray_type type, size_t need, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(env, std::string(what) + " has the wrong array type");
  auto a = v.As<Napi::TypedArrayOf<T>>();
  if (a.ElementLength() < need) throw Napi::RangeError::New(env, std::string(what) + " is too short");
  return a.Data();
}

// melPowerSpectrogram(signal: Float64Array, windowLength, overlap, window: Float64Array,
//   melStart: Int32Array | null, melOffsets: Int32Array | null, melWeights: Float64Array | null,
//   out: Float64Array): boolean
// Without a filterbank, out gets [frame, bin] power spectra; with one, [frame, band] mel energies where
// band b sums melWeights[melOffsets[b] .. melOffsets[b+1]) times power[melStart[b] + i].
Napi::Value MelPowerSpectrogram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "signal must be a Float64Array");
  const size_t len = info[0].As<Napi::Float64Array>().ElementLength();
  const int w = info[1].As<Napi::Number>().Int32Value(), overlap = info[2].As<Napi::Number>().Int32Value();
  if (w < 1 || overlap < 0 || overlap >= w) throw Napi::RangeError::New(env, "bad window or overlap");
  if (w % 2 != 0 || w < 4) return Napi::Boolean::New(env, false);
  const double* signal = typed<double>(env, info[0], napi_float64_array, 0, "signal");
  const double* window = typed<double>(env, info[3], napi_float64_array, w, "window");
  const int bins = w / 2 + 1, step = w - overlap;
  const long frames = len < size_t(w) ? 0 : long((len - overlap) / step);
  const bool mel = !info[4].IsNull() && !info[4].IsUndefined();
  const int* start = nullptr;
  const int* offsets = nullptr;
  const double* weights = nullptr;
  int bands = bins;
  if (mel) {
    bands = int(info[4].As<Napi::Int32Array>().ElementLength());
    start = typed<int32_t>(env, info[4], napi_int32_array, bands, "melStart");
    offsets = typed<int32_t>(env, info[5], napi_int32_array, bands + 1, "melOffsets");
    weights = typed<double>(env, info[6], napi_float64_array, offsets[bands], "melWeights");
    for (int b = 0; b < bands; b++)
      if (start[b] < 0 || offsets[b + 1] < offsets[b] || start[b] + (offsets[b + 1] - offsets[b]) > bins)
        throw Napi::RangeError::New(env, "mel filter outside the spectrum");
  }
  double* out = typed<double>(env, info[7], napi_float64_array, size_t(frames) * bands, "out");
  PowerPlan* plan = plan_for(w);
  if (!plan->half.ok) return Napi::Boolean::New(env, false);
#ifdef DSP_HAVE_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) {
    avx2_impl::spectrogram(plan->view, signal, frames, step, window, start, offsets, weights, bands, out, plan->scratch.data());
    return Napi::Boolean::New(env, true);
  }
#endif
  portable_impl::spectrogram(plan->view, signal, frames, step, window, start, offsets, weights, bands, out, plan->scratch.data());
  return Napi::Boolean::New(env, true);
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("melPowerSpectrogram", Napi::Function::New(env, MelPowerSpectrogram));
}

}  // namespace audeep_dsp
