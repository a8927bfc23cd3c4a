// N-API binding. Validates every buffer length before handing raw pointers to the kernels, so a wrong
// shape from JavaScript is a thrown error, never memory corruption. All calls are synchronous: the
// kernels touch JS-owned memory (including views into the wasm heap), which must not move or be
// collected while they run.
#include <napi.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "engine.h"

using namespace audeep;

namespace audeep_dsp {
void Register(Napi::Env env, Napi::Object exports);  // native/dsp.cc
}
namespace audeep_mlp {
void Register(Napi::Env env, Napi::Object exports);  // native/mlp.cc
}
namespace audeep_adam {
void Register(Napi::Env env, Napi::Object exports);  // native/adam.cc
}
namespace audeep_vorbis {
void Register(Napi::Env env, Napi::Object exports);  // native/vorbis.cc
}
namespace audeep_head {
void Register(Napi::Env env, Napi::Object exports);  // native/head.cc
}

namespace {

size_t need_len(const Napi::Env& env, const Napi::Value& v, size_t n, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, std::string(what) + " must be a Float32Array");
  size_t len = v.As<Napi::Float32Array>().ElementLength();
  if (len < n)
    throw Napi::RangeError::New(env, std::string(what) + ": expected at least " + std::to_string(n) +
                                         " elements, got " + std::to_string(len));
  return len;
}

float* f32(const Napi::Env& env, const Napi::Value& v, size_t n, const char* what) {
  need_len(env, v, n, what);
  return v.As<Napi::Float32Array>().Data();
}

float* f32_or_null(const Napi::Env& env, const Napi::Value& v, size_t n, const char* what) {
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  return f32(env, v, n, what);
}

int int_prop(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string("config.") + key + " must be a number");
  int x = v.As<Napi::Number>().Int32Value();
  if (x < 0) throw Napi::RangeError::New(o.Env(), std::string("config.") + key + " must be >= 0");
  return x;
}

Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), active_isa().name); }

Napi::Value SetIsa(const Napi::CallbackInfo& info) {
  std::string name = info[0].As<Napi::String>().Utf8Value();
  audeep::Isa isa = name == "avx512" ? audeep::Isa::Avx512 : name == "avx2" ? audeep::Isa::Avx2 : audeep::Isa::Portable;
  if (name != "avx512" && name != "avx2" && name != "portable")
    throw Napi::RangeError::New(info.Env(), "unknown ISA " + name);
  return Napi::Boolean::New(info.Env(), set_isa(isa));
}

Napi::Value SupportedIsas(const Napi::CallbackInfo& info) {
  Napi::Array a = Napi::Array::New(info.Env());
  uint32_t i = 0;
  for (audeep::Isa isa : {audeep::Isa::Avx512, audeep::Isa::Avx2, audeep::Isa::Portable})
    if (isa_supported(isa)) a.Set(i++, Napi::String::New(info.Env(), isa_name(isa)));
  return a;
}

Napi::Value NumThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), num_threads()); }

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  set_num_threads(info[0].As<Napi::Number>().Int32Value());
  return info.Env().Undefined();
}

Napi::Value Abort(const Napi::CallbackInfo& info) {
  g_abort.store(true);
  return info.Env().Undefined();
}

// sgemm(transA, transB, M, N, K, A, lda, B, ldb, C, ldc, accumulate)
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool ta = info[0].ToBoolean(), tb = info[1].ToBoolean();
  int M = info[2].As<Napi::Number>().Int32Value(), N = info[3].As<Napi::Number>().Int32Value(),
      K = info[4].As<Napi::Number>().Int32Value();
  long lda = info[6].As<Napi::Number>().Int64Value(), ldb = info[8].As<Napi::Number>().Int64Value(),
       ldc = info[10].As<Napi::Number>().Int64Value();
  if (M < 0 || N < 0 || K < 0) throw Napi::RangeError::New(env, "negative dimension");
  if (M == 0 || N == 0) return env.Undefined();
  long arows = ta ? K : M, acols = ta ? M : K, brows = tb ? N : K, bcols = tb ? K : N;
  if (lda < acols || ldb < bcols || ldc < N) throw Napi::RangeError::New(env, "leading dimension too small");
  const float* A = K ? f32(env, info[5], (size_t)(arows - 1) * lda + acols, "A") : nullptr;
  const float* B = K ? f32(env, info[7], (size_t)(brows - 1) * ldb + bcols, "B") : nullptr;
  float* C = f32(env, info[9], (size_t)(M - 1) * ldc + N, "C");
  DenormalGuard ftz;
  sgemm(ta, tb, M, N, K, A, lda, B, ldb, C, ldc, info[11].ToBoolean(), num_threads());
  return env.Undefined();
}

// fillDropoutMask(out, keepProb, seed): out[i] = 1/keepProb with probability keepProb, else 0 (native/dropout.cc).
Napi::Value FillDropoutMask(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double keep = info[1].As<Napi::Number>().DoubleValue();
  if (!(keep > 0 && keep <= 1)) throw Napi::RangeError::New(env, "keepProb must be in (0, 1]");
  float* d = f32(env, info[0], 0, "out");
  const size_t n = info[0].As<Napi::Float32Array>().ElementLength();
  const uint64_t seed = (uint64_t)info[2].As<Napi::Number>().Int64Value();
  dropout_fill(dropout_stream(keep, seed), d, n);
  return env.Undefined();
}

// unary(kind, in, out): kind 0 = tanh, 1 = sigmoid. Large arrays are split across threads.
Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int kind = info[0].As<Napi::Number>().Int32Value();
  const size_t n = need_len(env, info[1], 0, "in");
  const float* in = f32(env, info[1], 0, "in");
  float* out = f32(env, info[2], n, "out");
  const IsaKernels& isa = active_isa();
  elementwise_parallel(kind == 0 ? isa.tanh_n : isa.sigmoid_n, (long)n, in, out);
  return env.Undefined();
}

// Workspaces hold hundreds of MB at tutorial size. Reporting them as external memory lets V8 collect
// unreachable ones (e.g. after a shape change) under memory pressure instead of whenever it likes.
void AccountWorkspace(Napi::Env env, RnnWorkspace* ws) {
  const size_t now = ws->capacity_bytes();
  if (now != ws->accounted) {
    Napi::MemoryManagement::AdjustExternalMemory(env, (int64_t)now - (int64_t)ws->accounted);
    ws->accounted = now;
  }
}

void DeleteWorkspace(Napi::Env env, RnnWorkspace* ws) {
  if (ws->accounted) Napi::MemoryManagement::AdjustExternalMemory(env, -(int64_t)ws->accounted);
  delete ws;
}

Napi::Value CreateWorkspace(const Napi::CallbackInfo& info) {
  return Napi::External<RnnWorkspace>::New(info.Env(), new RnnWorkspace(), DeleteWorkspace);
}

RnnConfig read_config(const Napi::Object& o) {
  RnnConfig c;
  std::string cell = o.Get("cell").As<Napi::String>().Utf8Value();
  if (cell != "gru" && cell != "lstm") throw Napi::RangeError::New(o.Env(), "config.cell must be gru or lstm");
  c.cell = cell == "gru" ? Cell::Gru : Cell::Lstm;
  c.T = int_prop(o, "T");
  c.B = int_prop(o, "B");
  c.I = int_prop(o, "I");
  c.H = int_prop(o, "H");
  c.L = int_prop(o, "L");
  c.dirs = int_prop(o, "dirs");
  Napi::Value fb = o.Get("forgetBias");
  c.forget_bias = fb.IsNumber() ? fb.As<Napi::Number>().FloatValue() : 1.0f;
  c.split_input = o.Get("splitInput").ToBoolean();
  c.backward_processing_order = o.Get("backwardProcessingOrder").ToBoolean();
  if (c.T < 1 || c.B < 1 || c.I < 1 || c.H < 1 || c.L < 1 || (c.dirs != 1 && c.dirs != 2))
    throw Napi::RangeError::New(o.Env(), "invalid RNN config (T, B, I, H, L >= 1; dirs 1 or 2)");
  if (c.split_input && (c.dirs != 2 || c.I % 2 != 0))
    throw Napi::RangeError::New(o.Env(), "invalid RNN config: splitInput needs dirs 2 and an even I");
  if (c.backward_processing_order && c.dirs != 2)
    throw Napi::RangeError::New(o.Env(), "invalid RNN config: backwardProcessingOrder needs dirs 2");
  return c;
}

Napi::Array array_arg(const Napi::Env& env, const Napi::Value& v, uint32_t n, const char* what) {
  if (!v.IsArray() || v.As<Napi::Array>().Length() != n)
    throw Napi::TypeError::New(env, std::string(what) + " must be an array of length " + std::to_string(n));
  return v.As<Napi::Array>();
}

// A mask argument: a Float32Array, null, or a seed (a number: the mask fillDropoutMask(out, keepProb, seed)
// would fill, made inside the forward pass; config.dropoutKeepProb gives keepProb).
const float* mask_arg(const Napi::Env& env, const Napi::Value& v, size_t n, const char* what, double keep,
                      std::vector<DropoutStream>& streams) {
  if (!v.IsNumber()) {
    streams.emplace_back();
    return f32_or_null(env, v, n, what);
  }
  if (!(keep > 0 && keep <= 1))
    throw Napi::RangeError::New(env, std::string(what) + ": a seeded mask needs config.dropoutKeepProb in (0, 1]");
  const double seed = v.As<Napi::Number>().DoubleValue();
  if (!(seed >= 0 && seed <= 9007199254740991.0) || seed != (double)(uint64_t)seed)
    throw Napi::RangeError::New(env, std::string(what) + ": a mask seed must be a non-negative integer");
  streams.push_back(dropout_stream(keep, (uint64_t)seed));
  return nullptr;
}

// rnnForward(ws, config, x, init|null, kernels[], biases[], inMasks[], outMasks[], y, finalState, save) -> bool
Napi::Value RnnForward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RnnWorkspace* ws = info[0].As<Napi::External<RnnWorkspace>>().Data();
  Napi::Object co = info[1].As<Napi::Object>();
  RnnConfig c = read_config(co);
  Napi::Value kp = co.Get("dropoutKeepProb");
  const double keep = kp.IsNumber() ? kp.As<Napi::Number>().DoubleValue() : 0.0;
  const size_t TB = (size_t)c.T * c.B, G = c.gates(), n = (size_t)c.dirs * c.L;
  RnnForwardIo io;
  io.x = f32(env, info[2], TB * c.I, "x");
  io.init = f32_or_null(env, info[3], (size_t)c.B * c.state_size(), "initialState");
  Napi::Array ks = array_arg(env, info[4], n, "kernels"), bs = array_arg(env, info[5], n, "biases"),
              ims = array_arg(env, info[6], n, "inMasks"), oms = array_arg(env, info[7], n, "outMasks");
  for (uint32_t i = 0; i < n; ++i) {
    const size_t in = c.in_size((int)(i % c.L));
    io.kernels.push_back(f32(env, ks.Get(i), (in + c.H) * G * c.H, "kernel"));
    io.biases.push_back(f32(env, bs.Get(i), G * c.H, "bias"));
    io.in_masks.push_back(mask_arg(env, ims.Get(i), TB * c.in_stride((int)(i % c.L)), "inMask", keep, io.in_streams));
    io.out_masks.push_back(mask_arg(env, oms.Get(i), TB * c.H, "outMask", keep, io.out_streams));
  }
  io.y = f32_or_null(env, info[8], TB * c.dirs * c.H, "y");
  io.final_state = f32_or_null(env, info[9], (size_t)c.B * c.state_size(), "finalState");
  bool ok;
  {
    DenormalGuard ftz;
    ok = rnn_forward(*ws, c, io, info[10].ToBoolean());
  }
  AccountWorkspace(env, ws);
  return Napi::Boolean::New(env, ok);
}

// rnnBackward(ws, dy|null, dFinal|null, dx|null, dInit|null, dKernels[], dBiases[]) -> bool
Napi::Value RnnBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RnnWorkspace* ws = info[0].As<Napi::External<RnnWorkspace>>().Data();
  if (!ws->has_saved) throw Napi::Error::New(env, "rnnBackward: the workspace holds no saved forward pass");
  const RnnConfig& c = ws->cfg;
  const size_t TB = (size_t)c.T * c.B, G = c.gates(), n = (size_t)c.dirs * c.L;
  RnnBackwardIo io;
  io.dy = f32_or_null(env, info[1], TB * c.dirs * c.H, "dy");
  if (io.dy && !ws->has_y) throw Napi::Error::New(env, "rnnBackward: dy given for a forward pass that wrote no y");
  io.dfinal = f32_or_null(env, info[2], (size_t)c.B * c.state_size(), "dFinalState");
  io.dx = f32_or_null(env, info[3], TB * c.I, "dx");
  io.dinit = f32_or_null(env, info[4], (size_t)c.B * c.state_size(), "dInitialState");
  Napi::Array ks = array_arg(env, info[5], n, "dKernels"), bs = array_arg(env, info[6], n, "dBiases");
  for (uint32_t i = 0; i < n; ++i) {
    const size_t in = c.in_size((int)(i % c.L));
    io.dkernels.push_back(f32(env, ks.Get(i), (in + c.H) * G * c.H, "dKernel"));
    io.dbiases.push_back(f32(env, bs.Get(i), G * c.H, "dBias"));
  }
  bool ok;
  {
    DenormalGuard ftz;
    ok = rnn_backward(*ws, io);
  }
  AccountWorkspace(env, ws);
  ws->has_saved = false;  // gates were overwritten with their gradients
  return Napi::Boolean::New(env, ok);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("isa", Napi::Function::New(env, Isa));
  exports.Set("setIsa", Napi::Function::New(env, SetIsa));
  exports.Set("supportedIsas", Napi::Function::New(env, SupportedIsas));
  exports.Set("numThreads", Napi::Function::New(env, NumThreads));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("abort", Napi::Function::New(env, Abort));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("unary", Napi::Function::New(env, Unary));
  exports.Set("fillDropoutMask", Napi::Function::New(env, FillDropoutMask));
  exports.Set("createWorkspace", Napi::Function::New(env, CreateWorkspace));
  exports.Set("rnnForward", Napi::Function::New(env, RnnForward));
  exports.Set("rnnBackward", Napi::Function::New(env, RnnBackward));
  // Config options this build understands (older builds ignore unknown config keys).
  Napi::Array features = Napi::Array::New(env, 3);
  features.Set(0u, Napi::String::New(env, "splitInput"));
  features.Set(1u, Napi::String::New(env, "backwardProcessingOrder"));
  features.Set(2u, Napi::String::New(env, "seededDropout"));
  exports.Set("rnnFeatures", features);
  audeep_dsp::Register(env, exports);
  audeep_mlp::Register(env, exports);
  audeep_adam::Register(env, exports);
  audeep_vorbis::Register(env, exports);
  audeep_head::Register(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(audeep_native, Init)
