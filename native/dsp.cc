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

// Element j of butterfly (q, t) is x[t + s (q + m j)]; output k goes to y[t + s (radix q + k)], times the
// twiddle exp(-2 pi i q k / n_stage). Complex values interleaved re/im.

inline void twiddled(double* y, double zr, double zi, const double* w) {
  y[0] = zr * w[0] - zi * w[1];
  y[1] = zr * w[1] + zi * w[0];
}

void pass2(const Stage& st, const double* x, double* y) {
  const int m = st.m, s = st.stride;
  const double* tw = st.tw.data();
  for (int q = 0; q < m; q++) {
    for (int t = 0; t < s; t++) {
      const double* a = x + 2 * (t + s * q);
      const double* b = a + 2 * s * m;
      double* o = y + 2 * (t + s * 2 * q);
      o[0] = a[0] + b[0];
      o[1] = a[1] + b[1];
      twiddled(o + 2 * s, a[0] - b[0], a[1] - b[1], tw + 2 * q);
    }
  }
}

void pass3(const Stage& st, const double* x, double* y) {
  const int m = st.m, s = st.stride;
  const long sm2 = 2L * s * m;
  const double sin60 = std::sqrt(3.0) / 2;
  for (int q = 0; q < m; q++) {
    const double* w = st.tw.data() + 4 * q;
    for (int t = 0; t < s; t++) {
      const double* a = x + 2 * (t + s * q);
      const double ar = a[0], ai = a[1], br = a[sm2], bi = a[sm2 + 1], cr = a[2 * sm2], ci = a[2 * sm2 + 1];
      const double sr = br + cr, si = bi + ci;
      const double mr = ar - 0.5 * sr, mi = ai - 0.5 * si;
      const double nr = sin60 * (bi - ci), ni = -sin60 * (br - cr);
      double* o = y + 2 * (t + s * 3 * q);
      o[0] = ar + sr;
      o[1] = ai + si;
      twiddled(o + 2 * s, mr + nr, mi + ni, w);
      twiddled(o + 4 * s, mr - nr, mi - ni, w + 2);
    }
  }
}

void pass4(const Stage& st, const double* x, double* y) {
  const int m = st.m, s = st.stride;
  const long sm2 = 2L * s * m;
  for (int q = 0; q < m; q++) {
    const double* w = st.tw.data() + 6 * q;
    for (int t = 0; t < s; t++) {
      const double* a = x + 2 * (t + s * q);
      const double ar = a[0], ai = a[1], br = a[sm2], bi = a[sm2 + 1];
      const double cr = a[2 * sm2], ci = a[2 * sm2 + 1], dr = a[3 * sm2], di = a[3 * sm2 + 1];
      const double pr = ar + cr, pi = ai + ci, mr = ar - cr, mi = ai - ci;
      const double qr = br + dr, qi = bi + di;
      const double nr = bi - di, ni = -(br - dr);
      double* o = y + 2 * (t + s * 4 * q);
      o[0] = pr + qr;
      o[1] = pi + qi;
      twiddled(o + 2 * s, mr + nr, mi + ni, w);
      twiddled(o + 4 * s, pr - qr, pi - qi, w + 2);
      twiddled(o + 6 * s, mr - nr, mi - ni, w + 4);
    }
  }
}

void pass7(const Stage& st, const double* x, double* y) {
  const int m = st.m, s = st.stride;
  const long sm2 = 2L * s * m;
  const double c1 = std::cos(2 * M_PI / 7), c2 = std::cos(4 * M_PI / 7), c3 = std::cos(6 * M_PI / 7);
  const double s1 = std::sin(2 * M_PI / 7), s2 = std::sin(4 * M_PI / 7), s3 = std::sin(6 * M_PI / 7);
  for (int q = 0; q < m; q++) {
    const double* w = st.tw.data() + 12 * q;
    for (int t = 0; t < s; t++) {
      const double* a = x + 2 * (t + s * q);
      const double ar = a[0], ai = a[1];
      const double b1r = a[sm2], b1i = a[sm2 + 1], b2r = a[2 * sm2], b2i = a[2 * sm2 + 1];
      const double b3r = a[3 * sm2], b3i = a[3 * sm2 + 1], b4r = a[4 * sm2], b4i = a[4 * sm2 + 1];
      const double b5r = a[5 * sm2], b5i = a[5 * sm2 + 1], b6r = a[6 * sm2], b6i = a[6 * sm2 + 1];
      const double u1r = b1r + b6r, u1i = b1i + b6i, v1r = b1r - b6r, v1i = b1i - b6i;
      const double u2r = b2r + b5r, u2i = b2i + b5i, v2r = b2r - b5r, v2i = b2i - b5i;
      const double u3r = b3r + b4r, u3i = b3i + b4i, v3r = b3r - b4r, v3i = b3i - b4i;
      const double k1r = ar + c1 * u1r + c2 * u2r + c3 * u3r, k1i = ai + c1 * u1i + c2 * u2i + c3 * u3i;
      const double j1r = s1 * v1r + s2 * v2r + s3 * v3r, j1i = s1 * v1i + s2 * v2i + s3 * v3i;
      const double k2r = ar + c2 * u1r + c3 * u2r + c1 * u3r, k2i = ai + c2 * u1i + c3 * u2i + c1 * u3i;
      const double j2r = s2 * v1r - s3 * v2r - s1 * v3r, j2i = s2 * v1i - s3 * v2i - s1 * v3i;
      const double k3r = ar + c3 * u1r + c1 * u2r + c2 * u3r, k3i = ai + c3 * u1i + c1 * u2i + c2 * u3i;
      const double j3r = s3 * v1r - s1 * v2r + s2 * v3r, j3i = s3 * v1i - s1 * v2i + s2 * v3i;
      double* o = y + 2 * (t + s * 7 * q);
      const long d = 2L * s;
      o[0] = ar + u1r + u2r + u3r;
      o[1] = ai + u1i + u2i + u3i;
      twiddled(o + d, k1r + j1i, k1i - j1r, w);
      twiddled(o + 2 * d, k2r + j2i, k2i - j2r, w + 2);
      twiddled(o + 3 * d, k3r + j3i, k3i - j3r, w + 4);
      twiddled(o + 4 * d, k3r - j3i, k3i + j3r, w + 6);
      twiddled(o + 5 * d, k2r - j2i, k2i + j2r, w + 8);
      twiddled(o + 6 * d, k1r - j1i, k1i + j1r, w + 10);
    }
  }
}

// Any odd radix p: outputs k and p-k share the pair sums (a_j + a_{p-j}) cos and differences sin.
void pass_odd(const Stage& st, const double* x, double* y) {
  const int p = st.radix, m = st.m, s = st.stride, half = (p - 1) / 2;
  const long sm2 = 2L * s * m;
  double sum_r[kMaxRadix], sum_i[kMaxRadix], dif_r[kMaxRadix], dif_i[kMaxRadix];
  for (int q = 0; q < m; q++) {
    const double* tw = st.tw.data() + 2L * q * (p - 1);
    for (int t = 0; t < s; t++) {
      const double* a = x + 2 * (t + s * q);
      const double a0r = a[0], a0i = a[1];
      double tot_r = a0r, tot_i = a0i;
      for (int j = 1; j <= half; j++) {
        const double* u = a + j * sm2;
        const double* v = a + (p - j) * sm2;
        sum_r[j] = u[0] + v[0];
        sum_i[j] = u[1] + v[1];
        dif_r[j] = u[0] - v[0];
        dif_i[j] = u[1] - v[1];
        tot_r += u[0] + v[0];
        tot_i += u[1] + v[1];
      }
      double* o = y + 2 * (t + s * p * q);
      o[0] = tot_r;
      o[1] = tot_i;
      for (int k = 1; k <= half; k++) {
        double cr = a0r, ci = a0i, sr = 0, si = 0;
        int idx = 0;
        for (int j = 1; j <= half; j++) {
          idx += k;
          if (idx >= p) idx -= p;
          cr += st.rc[idx] * sum_r[j];
          ci += st.rc[idx] * sum_i[j];
          sr += st.rs[idx] * dif_r[j];
          si += st.rs[idx] * dif_i[j];
        }
        twiddled(o + 2L * s * k, cr + si, ci - sr, tw + 2 * (k - 1));
        twiddled(o + 2L * s * (p - k), cr - si, ci + sr, tw + 2 * (p - k - 1));
      }
    }
  }
}

/** Complex DFT of a fixed length made of factors <= kMaxRadix. */
struct ComplexPlan {
  int n = 0;
  bool ok = false;
  std::vector<Stage> stages;
  std::vector<double> work;

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
    work.resize(2L * size);
    ok = true;
  }

  /** out = DFT(in); in untouched; both 2n doubles, distinct. */
  void transform(double* out, const double* in) {
    const double* src = in;
    double* dst = stages.size() % 2 == 1 ? out : work.data();
    for (const Stage& st : stages) {
      switch (st.radix) {
        case 2: pass2(st, src, dst); break;
        case 3: pass3(st, src, dst); break;
        case 4: pass4(st, src, dst); break;
        case 7: pass7(st, src, dst); break;
        default: pass_odd(st, src, dst);
      }
      src = dst;
      dst = dst == out ? work.data() : out;
    }
    if (stages.empty()) {
      out[0] = in[0];
      out[1] = in[1];
    }
  }
};

/** Power spectrum of a real frame of even length n >= 4 through the half-length complex transform. */
struct PowerPlan {
  int n;
  ComplexPlan half;
  std::vector<double> twiddle;  // exp(-2 pi i k / n), k <= n/2
  std::vector<double> spectrum;

  explicit PowerPlan(int size) : n(size), half(size / 2) {
    const int h = size / 2;
    twiddle.resize(2L * (h + 1));
    for (int k = 0; k <= h; k++) {
      const double angle = 2 * M_PI * k / size;
      twiddle[2 * k] = std::cos(angle);
      twiddle[2 * k + 1] = -std::sin(angle);
    }
    spectrum.resize(size);
  }

  /** power[k] = |X[k]|^2, k <= n/2. */
  void power(double* out, const double* frame) {
    const int h = n / 2;
    double* zs = spectrum.data();
    half.transform(zs, frame);
    const double* tw = twiddle.data();
    for (int k = 0; k <= h; k++) {
      const int k1 = k == h ? 0 : k, k2 = k == 0 ? 0 : h - k;
      const double ar = zs[2 * k1], ai = zs[2 * k1 + 1], br = zs[2 * k2], bi = -zs[2 * k2 + 1];
      const double er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
      const double or_ = 0.5 * (ai - bi), oi = -0.5 * (ar - br);
      const double wr = tw[2 * k], wi = tw[2 * k + 1];
      const double re = er + wr * or_ - wi * oi, im = ei + wr * oi + wi * or_;
      out[k] = re * re + im * im;
    }
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
  std::vector<double> frame(w), power(bins);
  for (long t = 0; t < frames; t++) {
    const double* x = signal + t * step;
    double sum = 0;
    for (int j = 0; j < w; j++) sum += x[j];
    const double mean = sum / w;
    for (int j = 0; j < w; j++) frame[j] = window[j] * (x[j] - mean);
    double* row = out + t * bands;
    if (!mel) {
      plan->power(row, frame.data());
      continue;
    }
    plan->power(power.data(), frame.data());
    for (int b = 0; b < bands; b++) {
      const double* wt = weights + offsets[b];
      const double* p = power.data() + start[b];
      const int n = offsets[b + 1] - offsets[b];
      double acc = 0;
      for (int k = 0; k < n; k++) acc += wt[k] * p[k];
      row[b] = acc;
    }
  }
  return Napi::Boolean::New(env, true);
}

}  // namespace

void Register(Napi::Env env, Napi::Object exports) {
  exports.Set("melPowerSpectrogram", Napi::Function::New(env, MelPowerSpectrogram));
}

}  // namespace audeep_dsp
