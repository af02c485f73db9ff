// vidpad's oneDNN addon: the hot kernels of TensorFlow.js's `native` backend.
//
// Owns one Context per JS caller (the engine, the stream, the thread count and
// a cache of primitives keyed by shape), and the kernels: 2D convolution
// forward / backward-data / backward-weights (NHWC data, HWIO filters, exactly
// as tfjs's cpu backend stores them), batched matmul with transposes, and max
// pooling with its gradient. Every kernel reads the caller's Float32Arrays in
// place and writes into a Float32Array the caller allocated, synchronously,
// because tfjs kernels are synchronous.
//
// Why blocked weights: with plain HWIO filters oneDNN 2.6 falls back to
// im2col + gemm (`x64:gemm:jit`, 17-87 GFLOP/s on one thread for AlexNet-(2+1)D's
// convolutions here); with filters in the blocked layout it picks (`tag::any`)
// its AVX-512 kernels (`brgconv`, `jit:avx512_core`) reach 66-124, reorder
// included. Activations stay NHWC, which those kernels accept (blocked
// activations measured no better for the backward passes), so only the small
// filter tensors are reordered, on every call, since they change every step.
//
// Precision (setPrecision): fp32; bf16, where convolutions (all three passes)
// and matrix products take bf16 operands and accumulate and write fp32, on
// oneDNN's bf16 kernels (AVX512-BF16 or AMX; refused on CPUs without them);
// and bf16-emulated, which rounds the same operands to bf16 (round to nearest
// even) and runs the fp32 kernels: the numbers a bf16 kernel with fp32
// accumulation computes, up to summation order, on any CPU, so that bf16's
// effect on accuracy can be tested and measured where the hardware is absent.
// Outputs, and everything outside convolutions and matrix products (batch
// norm, pooling, elementwise), stay fp32 in every mode.

#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <list>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "dnnl.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define VIDPAD_X86 1
#endif

// Hot loops get an AVX2+FMA clone chosen at load time; other machines run the
// portable build of the same code.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define VIDPAD_SIMD_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define VIDPAD_SIMD_CLONES
#endif

namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// A cached primitive with the reorders and owned buffers it needs.
struct Entry {
  virtual ~Entry() = default;
};

struct ConvFwdEntry : Entry {
  dnnl::convolution_forward prim;
  memory::desc src_md, dst_md, bias_md, user_w_md;
  memory::desc w_md;  // the layout the primitive wants
  bool reorder_w = false;
  dnnl::reorder w_reorder;
  memory w_mem;
  bool has_bias = false;
};

struct ConvBwdDataEntry : Entry {
  dnnl::convolution_backward_data prim;
  memory::desc diff_src_md, diff_dst_md, user_w_md, w_md;
  bool reorder_w = false;
  dnnl::reorder w_reorder;
  memory w_mem;
};

struct ConvBwdWeightsEntry : Entry {
  dnnl::convolution_backward_weights prim;
  memory::desc src_md, diff_dst_md, user_dw_md, dw_md, diff_bias_md;
  bool reorder_dw = false;
  dnnl::reorder dw_reorder;
  memory dw_mem;
  bool has_bias = false;
};

struct MatMulEntry : Entry {
  dnnl::matmul prim;
  memory::desc a_md, b_md, c_md, bias_md;
  bool has_bias = false;
};

// Least-recently-used map of primitives. Shapes in a training run are few, so
// the bound only guards programs that sweep many shapes.
class PrimitiveCache {
 public:
  explicit PrimitiveCache(size_t capacity) : capacity_(capacity) {}

  Entry* Find(const std::string& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second.second);
    return it->second.first.get();
  }

  Entry* Insert(const std::string& key, std::unique_ptr<Entry> entry) {
    order_.push_front(key);
    Entry* raw = entry.get();
    map_[key] = {std::move(entry), order_.begin()};
    while (map_.size() > capacity_) {
      map_.erase(order_.back());
      order_.pop_back();
    }
    return raw;
  }

  void Clear() {
    map_.clear();
    order_.clear();
  }
  size_t Size() const { return map_.size(); }

 private:
  size_t capacity_;
  std::list<std::string> order_;
  std::unordered_map<std::string, std::pair<std::unique_ptr<Entry>, std::list<std::string>::iterator>> map_;
};


// What the convolutions and matrix products compute in (see the header).
enum class Precision { kFp32 = 0, kBf16 = 1, kBf16Emulated = 2 };

// The bf16 that is nearest to f, ties to even (bf16 keeps fp32's sign and
// exponent and the top 7 of its 23 mantissa bits). NaN stays a quiet NaN;
// values beyond bf16's largest finite round to infinity, as IEEE rounding does.
inline uint16_t Bf16Bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

VIDPAD_SIMD_CLONES
void ToBf16(const float* x, uint16_t* y, int64_t n, int nthr) {
#pragma omp parallel for schedule(static) num_threads(nthr)
  for (int64_t i = 0; i < n; ++i) y[i] = Bf16Bits(x[i]);
}

// x rounded to bf16 and widened back to fp32 (the emulated mode's operands).
VIDPAD_SIMD_CLONES
void RoundToBf16(const float* x, float* y, int64_t n, int nthr) {
#pragma omp parallel for schedule(static) num_threads(nthr)
  for (int64_t i = 0; i < n; ++i) {
    uint32_t u = static_cast<uint32_t>(Bf16Bits(x[i])) << 16;
    std::memcpy(y + i, &u, 4);
  }
}

// The CPU's own account of its bf16 and int8 instructions (cpuid), and
// whether the OS saves the registers they need (xgetbv): an AVX-512 or AMX
// instruction the kernel does not enable faults however cpuid reports it.
struct CpuFeatures {
  std::string vendor, brand;
  bool avx2 = false, fma = false, avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512_vnni = false, avx_vnni = false, avx512_bf16 = false, amx_tile = false, amx_bf16 = false, amx_int8 = false;
  bool os_avx = false, os_avx512 = false, os_amx = false;
};

CpuFeatures DetectCpu() {
  CpuFeatures f;
#ifdef VIDPAD_X86
  unsigned a, b, c, d;
  if (!__get_cpuid(0, &a, &b, &c, &d)) return f;
  unsigned max_leaf = a;
  char vendor[13] = {0};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  f.vendor = vendor;
  __get_cpuid(1, &a, &b, &c, &d);
  f.fma = (c >> 12) & 1;
  bool osxsave = (c >> 27) & 1;
  uint64_t xcr0 = 0;
  if (osxsave) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (static_cast<uint64_t>(hi) << 32) | lo;
  }
  f.os_avx = (xcr0 & 0x6) == 0x6;
  f.os_avx512 = f.os_avx && (xcr0 & 0xe0) == 0xe0;
  f.os_amx = (xcr0 & 0x60000) == 0x60000;
  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = (b >> 5) & 1;
    f.avx512f = (b >> 16) & 1;
    f.avx512dq = (b >> 17) & 1;
    f.avx512bw = (b >> 30) & 1;
    f.avx512vl = (b >> 31) & 1;
    f.avx512_vnni = (c >> 11) & 1;
    f.amx_bf16 = (d >> 22) & 1;
    f.amx_tile = (d >> 24) & 1;
    f.amx_int8 = (d >> 25) & 1;
    unsigned sub = a;
    if (sub >= 1) {
      __cpuid_count(7, 1, a, b, c, d);
      f.avx_vnni = (a >> 4) & 1;
      f.avx512_bf16 = (a >> 5) & 1;
    }
  }
  __get_cpuid(0x80000000, &a, &b, &c, &d);
  if (a >= 0x80000004) {
    char brand[49] = {0};
    for (unsigned i = 0; i < 3; ++i) {
      __get_cpuid(0x80000002 + i, &a, &b, &c, &d);
      std::memcpy(brand + 16 * i, &a, 4);
      std::memcpy(brand + 16 * i + 4, &b, 4);
      std::memcpy(brand + 16 * i + 8, &c, 4);
      std::memcpy(brand + 16 * i + 12, &d, 4);
    }
    f.brand = brand;
    f.brand.erase(0, f.brand.find_first_not_of(' '));
    f.brand.erase(f.brand.find_last_not_of(' ') + 1);
  }
#endif
  return f;
}

// Whether oneDNN's bf16 kernels can run: AVX512-BF16 (with the OS saving the
// AVX-512 state) or AMX-BF16 (with the tile state). oneDNN 2.6 also emulates
// bf16 on plain AVX-512, slower than its fp32 kernels, which is no reason to
// train in bf16, so it does not count.
bool HasBf16Hardware(const CpuFeatures& f) {
  bool avx512 = f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.os_avx512;
  return (avx512 && f.avx512_bf16) || (avx512 && f.amx_tile && f.amx_bf16 && f.os_amx);
}

const char* OneDnnIsaName(dnnl_cpu_isa_t isa) {
  switch (static_cast<int>(isa)) {
    case 0x1: return "sse41";
    case 0x3: return "avx";
    case 0x7: return "avx2";
    case 0x407: return "avx2_vnni";
    case 0xf: return "avx512_mic";
    case 0x1f: return "avx512_mic_4ops";
    case 0x27: return "avx512_core";
    case 0x67: return "avx512_core_vnni";
    case 0xe7: return "avx512_core_bf16";
    case 0x3e7: return "avx512_core_amx";
    default: return "other";
  }
}

struct ConvShape {
  int64_t n, h, w, c;       // input NHWC
  int64_t kh, kw, o;        // filter HWIO (i = c)
  int64_t oh, ow;           // output spatial
  int64_t sh, sw;           // strides
  int64_t pt, pb, pl, pr;   // explicit padding

  std::string Key(const char* kind) const {
    std::ostringstream s;
    s << kind << ':' << n << ',' << h << ',' << w << ',' << c << ',' << kh << ',' << kw << ',' << o << ',' << oh << ','
      << ow << ',' << sh << ',' << sw << ',' << pt << ',' << pb << ',' << pl << ',' << pr;
    return s.str();
  }
  memory::desc Src(dt t = dt::f32) const { return memory::desc({n, c, h, w}, t, tag::nhwc); }
  memory::desc Dst(dt t = dt::f32) const { return memory::desc({n, o, oh, ow}, t, tag::nhwc); }
  memory::desc UserW(dt t = dt::f32) const { return memory::desc({o, c, kh, kw}, t, tag::hwio); }
  memory::desc AnyW(dt t = dt::f32) const { return memory::desc({o, c, kh, kw}, t, tag::any); }
  double Flops() const { return 2.0 * n * oh * ow * o * kh * kw * c; }
  memory::dims Strides() const { return {sh, sw}; }
  memory::dims PadL() const { return {pt, pl}; }
  memory::dims PadR() const { return {pb, pr}; }
};

float* F32(const Napi::Value& v, size_t expected, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected a Float32Array");
  }
  auto arr = v.As<Napi::Float32Array>();
  if (arr.ElementLength() != expected) {
    std::ostringstream s;
    s << what << ": expected " << expected << " elements, got " << arr.ElementLength();
    throw Napi::RangeError::New(v.Env(), s.str());
  }
  return arr.Data();
}

// Optional Float32Array: null/undefined gives nullptr.
float* OptF32(const Napi::Value& v, size_t expected, const char* what) {
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  return F32(v, expected, what);
}

std::vector<int64_t> Dims(const Napi::Value& v, size_t count, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + ": expected an Int32Array");
  }
  auto arr = v.As<Napi::Int32Array>();
  if (arr.ElementLength() != count) {
    std::ostringstream s;
    s << what << ": expected " << count << " integers, got " << arr.ElementLength();
    throw Napi::RangeError::New(v.Env(), s.str());
  }
  std::vector<int64_t> out(count);
  for (size_t i = 0; i < count; ++i) {
    out[i] = arr[i];
    if (out[i] < 0) throw Napi::RangeError::New(v.Env(), std::string(what) + ": negative dimension");
  }
  return out;
}

ConvShape ReadConv(const Napi::Value& v) {
  auto d = Dims(v, 15, "conv dims");
  ConvShape s{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
  if (s.n < 1 || s.h < 1 || s.w < 1 || s.c < 1 || s.kh < 1 || s.kw < 1 || s.o < 1 || s.oh < 1 || s.ow < 1 || s.sh < 1 ||
      s.sw < 1) {
    throw Napi::RangeError::New(v.Env(), "conv dims: sizes and strides must be >= 1");
  }
  return s;
}

// Batch normalisation over the rows of an activation viewed as [rows, C]
// (NHWC with every axis but the channels folded into rows), optionally fused
// with the ReLU that follows it. Written by hand rather than with oneDNN's
// batch_normalization primitives: for NHWC data oneDNN 2.6 has a JIT kernel
// (`bnorm_tbb_jit:avx2`) only when C is a multiple of 8, and otherwise falls
// back to `nspc_bnorm:any`, a reference loop 7-10x slower than these; most of
// AlexNet-(2+1)D's middle widths are not multiples of 8 (42, 105, 172, 157 at
// width 0.25). Measured here (2 threads, batch 8, T = 5, forward + backward of
// all ten BatchNorms): oneDNN 37.7 ms against 5.8 ms at 112², 224 ms against
// 33 ms at 224²; where oneDNN has its JIT kernel the two are within ~15% of
// each other. The work is memory-bound, so the loops are arranged
// to read each tensor as few times as possible: forward = one pass for the
// moments and one that writes y; backward = one pass for the two sums and
// one that writes dx. The ReLU's mask is recomputed from x in the backward
// pass (the same float expression as the forward's, so the same bits) rather
// than read from y, which saves a read of a tensor per pass.


// Rows summed in float before they join a thread's double totals: float
// adds vectorise, and 32 terms lose nothing that matters.
constexpr int64_t kBnBlockRows = 32;

// Per-channel scale = gamma / sqrt(var + eps) and shift = beta - mean * scale,
// worked out in double from the float statistics. Forward, backward and
// inference all call this with the same floats, so the backward pass sees
// exactly the forward's pre-activation.
void BnScaleShift(const float* gamma, const float* beta, const float* mean, const float* var, double eps, int64_t c,
                  float* scale, float* shift) {
  for (int64_t j = 0; j < c; ++j) {
    double inv = 1.0 / std::sqrt(static_cast<double>(var[j]) + eps);
    double s = static_cast<double>(gamma[j]) * inv;
    scale[j] = static_cast<float>(s);
    shift[j] = static_cast<float>(static_cast<double>(beta[j]) - static_cast<double>(mean[j]) * s);
  }
}

// Mean and biased variance per channel. Sums are taken of x minus its first
// row, so a channel whose mean is large against its spread keeps its digits.
VIDPAD_SIMD_CLONES
void BnMoments(const float* x, int64_t rows, int64_t c, int nthr, float* mean, float* var) {
  std::vector<double> part(static_cast<size_t>(2 * nthr * c), 0.0);
  const float* k = x;
#pragma omp parallel num_threads(nthr)
  {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t r0 = rows * t / nt, r1 = rows * (t + 1) / nt;
    double* ps = part.data() + 2 * t * c;
    double* pq = ps + c;
    std::vector<float> block(static_cast<size_t>(2 * c));
    float* __restrict fs = block.data();
    float* __restrict fq = fs + c;
    for (int64_t b = r0; b < r1; b += kBnBlockRows) {
      int64_t e = std::min(r1, b + kBnBlockRows);
      std::fill(block.begin(), block.end(), 0.f);
      for (int64_t r = b; r < e; ++r) {
        const float* __restrict p = x + r * c;
        for (int64_t j = 0; j < c; ++j) {
          float d = p[j] - k[j];
          fs[j] += d;
          fq[j] += d * d;
        }
      }
      for (int64_t j = 0; j < c; ++j) {
        ps[j] += fs[j];
        pq[j] += fq[j];
      }
    }
  }
  for (int64_t j = 0; j < c; ++j) {
    double s = 0, q = 0;
    for (int t = 0; t < nthr; ++t) {
      s += part[2 * t * c + j];
      q += part[2 * t * c + c + j];
    }
    double m = s / static_cast<double>(rows);
    mean[j] = static_cast<float>(static_cast<double>(k[j]) + m);
    var[j] = static_cast<float>(std::max(0.0, q / static_cast<double>(rows) - m * m));
  }
}

// y = max(x * scale + shift, floor): floor 0 is the fused ReLU, -inf none.
VIDPAD_SIMD_CLONES
void BnApply(const float* x, float* y, int64_t rows, int64_t c, const float* scale, const float* shift, float floor,
             int nthr) {
#pragma omp parallel for schedule(static) num_threads(nthr)
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict p = x + r * c;
    float* __restrict q = y + r * c;
    for (int64_t j = 0; j < c; ++j) {
      float pre = p[j] * scale[j] + shift[j];
      q[j] = pre < floor ? floor : pre;
    }
  }
}

// Sums over rows of g = dy where the output was not clipped (all of dy
// without ReLU), and of g * (x - mean).
VIDPAD_SIMD_CLONES
void BnGradSums(const float* x, const float* dy, int64_t rows, int64_t c, const float* scale, const float* shift,
                const float* mean, float floor, int nthr, double* sdy, double* sdyx) {
  std::vector<double> part(static_cast<size_t>(2 * nthr * c), 0.0);
#pragma omp parallel num_threads(nthr)
  {
    int t = omp_get_thread_num(), nt = omp_get_num_threads();
    int64_t r0 = rows * t / nt, r1 = rows * (t + 1) / nt;
    double* ps = part.data() + 2 * t * c;
    double* pq = ps + c;
    std::vector<float> block(static_cast<size_t>(2 * c));
    float* __restrict fs = block.data();
    float* __restrict fq = fs + c;
    for (int64_t b = r0; b < r1; b += kBnBlockRows) {
      int64_t e = std::min(r1, b + kBnBlockRows);
      std::fill(block.begin(), block.end(), 0.f);
      for (int64_t r = b; r < e; ++r) {
        const float* __restrict p = x + r * c;
        const float* __restrict d = dy + r * c;
        for (int64_t j = 0; j < c; ++j) {
          // Both operands loaded unconditionally, so the select vectorises.
          float pre = p[j] * scale[j] + shift[j];
          float dv = d[j];
          float g = pre > floor ? dv : 0.f;
          fs[j] += g;
          fq[j] += g * (p[j] - mean[j]);
        }
      }
      for (int64_t j = 0; j < c; ++j) {
        ps[j] += fs[j];
        pq[j] += fq[j];
      }
    }
  }
  for (int64_t j = 0; j < c; ++j) {
    double s = 0, q = 0;
    for (int t = 0; t < nthr; ++t) {
      s += part[2 * t * c + j];
      q += part[2 * t * c + c + j];
    }
    sdy[j] = s;
    sdyx[j] = q;
  }
}

// dx = a * g + b * (x - mean) + cc per channel (the batch-norm gradient, its
// terms gathered per channel by the caller), g the masked dy as in BnGradSums.
VIDPAD_SIMD_CLONES
void BnGradInput(const float* x, const float* dy, float* dx, int64_t rows, int64_t c, const float* scale,
                 const float* shift, const float* mean, float floor, const float* a, const float* b, const float* cc,
                 int nthr) {
#pragma omp parallel for schedule(static) num_threads(nthr)
  for (int64_t r = 0; r < rows; ++r) {
    const float* __restrict p = x + r * c;
    const float* __restrict d = dy + r * c;
    float* __restrict q = dx + r * c;
    for (int64_t j = 0; j < c; ++j) {
      float pre = p[j] * scale[j] + shift[j];
      float dv = d[j];
      float g = pre > floor ? dv : 0.f;
      q[j] = a[j] * g + b[j] * (p[j] - mean[j]) + cc[j];
    }
  }
}

class Context : public Napi::ObjectWrap<Context> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Context",
                       {
                           InstanceMethod("setThreads", &Context::SetThreads),
                           InstanceMethod("threads", &Context::Threads),
                           InstanceMethod("cacheSize", &Context::CacheSize),
                           InstanceMethod("clearCache", &Context::ClearCache),
                           InstanceMethod("conv2d", &Context::Conv2D),
                           InstanceMethod("conv2dBackpropInput", &Context::Conv2DBackpropInput),
                           InstanceMethod("conv2dBackpropFilter", &Context::Conv2DBackpropFilter),
                           InstanceMethod("matMul", &Context::MatMul),
                           InstanceMethod("maxPool", &Context::MaxPool),
                           InstanceMethod("maxPoolGrad", &Context::MaxPoolGrad),
                           InstanceMethod("implInfo", &Context::ImplInfo),
                           InstanceMethod("binary", &Context::Binary),
                           InstanceMethod("unary", &Context::Unary),
                           InstanceMethod("sum", &Context::Sum),
                           InstanceMethod("batchNormTrain", &Context::BatchNormTrain),
                           InstanceMethod("batchNormGrad", &Context::BatchNormGrad),
                           InstanceMethod("batchNormInfer", &Context::BatchNormInfer),
                           InstanceMethod("setPrecision", &Context::SetPrecision),
                           InstanceMethod("precision", &Context::GetPrecision),
                       });
  }

  explicit Context(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<Context>(info), engine_(dnnl::engine::kind::cpu, 0), stream_(engine_), cache_(512) {
    threads_ = std::max(1, omp_get_max_threads());
    bf16_hardware_ = HasBf16Hardware(DetectCpu());
  }

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  PrimitiveCache cache_;
  int threads_;
  Precision precision_ = Precision::kFp32;
  bool bf16_hardware_ = false;
  // Operands converted for the current precision, one buffer per operand
  // slot of a kernel (bf16 bits for kBf16, rounded floats for the emulation),
  // kept between calls so a training step allocates nothing.
  std::vector<uint16_t> bf16_[2];
  std::vector<float> rounded_[2];

  // setPrecision(0 fp32 | 1 bf16 | 2 bf16 emulated). bf16 is refused where
  // the CPU lacks the instructions (the JS side says so before getting here).
  Napi::Value SetPrecision(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int p = info[0].As<Napi::Number>().Int32Value();
    if (p < 0 || p > 2) throw Napi::RangeError::New(env, "precision: expected 0 (fp32), 1 (bf16) or 2 (bf16 emulated)");
    if (p == 1 && !bf16_hardware_) {
      throw Napi::Error::New(env, "precision bf16: this CPU has neither AVX512-BF16 nor AMX-BF16 (cpuid)");
    }
    // Primitives are cached per precision (ThreadKey), so switching back and
    // forth, as the benchmark does step for step, rebuilds nothing.
    precision_ = static_cast<Precision>(p);
    return env.Undefined();
  }
  Napi::Value GetPrecision(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<int>(precision_));
  }

  // The type convolution and matmul operands are read in.
  dt OperandType() const { return precision_ == Precision::kBf16 ? dt::bf16 : dt::f32; }

  // Operand `slot` of a kernel as the current precision reads it: the
  // caller's array (fp32), converted to bf16, or rounded to bf16 in fp32.
  void* Operand(int slot, float* p, int64_t n) {
    int nthr = n > kParallelElements ? threads_ : 1;
    if (precision_ == Precision::kFp32) return p;
    if (precision_ == Precision::kBf16) {
      auto& v = bf16_[slot];
      if (static_cast<int64_t>(v.size()) < n) v.resize(n);
      ToBf16(p, v.data(), n, nthr);
      return v.data();
    }
    auto& v = rounded_[slot];
    if (static_cast<int64_t>(v.size()) < n) v.resize(n);
    RoundToBf16(p, v.data(), n, nthr);
    return v.data();
  }

  // oneDNN decides a primitive's work split at creation from the thread count,
  // so primitives are dropped whenever it changes.
  Napi::Value SetThreads(const Napi::CallbackInfo& info) {
    int n = info[0].As<Napi::Number>().Int32Value();
    if (n < 1) throw Napi::RangeError::New(info.Env(), "threads: expected a whole number >= 1");
    if (n != threads_) cache_.Clear();
    threads_ = n;
    omp_set_num_threads(n);
    return info.Env().Undefined();
  }
  Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), threads_); }
  Napi::Value CacheSize(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(cache_.Size()));
  }
  Napi::Value ClearCache(const Napi::CallbackInfo& info) {
    cache_.Clear();
    return info.Env().Undefined();
  }

  // Memory-bound loops over fewer elements than this run on one thread: waking
  // a sleeping OpenMP thread (vidpad asks for passive waiting) costs tens of
  // microseconds, as long as the whole loop takes below this size.
  static constexpr int64_t kParallelElements = 1 << 18;
  // Below this much work a parallel region costs more than it saves, and on a
  // loaded machine waiting for a descheduled second thread costs far more.
  static constexpr double kParallelFlops = 2e6;
  int ThreadsFor(double flops) const { return flops < kParallelFlops ? 1 : threads_; }
  // Primitives are built for the thread count current at creation (set by Guard).
  // and for the precision (which setPrecision also clears the cache for).
  std::string ThreadKey() const {
    return "@" + std::to_string(omp_get_max_threads()) + "p" + std::to_string(static_cast<int>(precision_));
  }

  // Run oneDNN code on `nthr` threads, turning its errors into JS exceptions.
  template <typename F>
  auto Guard(Napi::Env env, const char* what, int nthr, F&& f) -> decltype(f()) {
    omp_set_num_threads(nthr);
    try {
      return f();
    } catch (const dnnl::error& e) {
      throw Napi::Error::New(env, std::string(what) + ": oneDNN: " + e.what());
    }
  }

  dnnl::convolution_forward::primitive_desc FwdPd(const ConvShape& s, bool bias, bool relu, dnnl::prop_kind kind) {
    memory::desc bias_md = bias ? memory::desc({s.o}, dt::f32, tag::a) : memory::desc();
    dnnl::convolution_forward::desc d(kind, dnnl::algorithm::convolution_direct, s.Src(OperandType()), s.AnyW(OperandType()), bias_md, s.Dst(),
                                      s.Strides(), s.PadL(), s.PadR());
    dnnl::primitive_attr attr;
    if (relu) {
      dnnl::post_ops po;
      po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(po);
    }
    return dnnl::convolution_forward::primitive_desc(d, attr, engine_);
  }

  ConvFwdEntry* GetConvFwd(const ConvShape& s, bool bias, bool relu) {
    std::string key = s.Key("cf") + (bias ? "b" : "") + (relu ? "r" : "") + ThreadKey();
    if (auto* e = cache_.Find(key)) return static_cast<ConvFwdEntry*>(e);
    auto e = std::make_unique<ConvFwdEntry>();
    auto pd = FwdPd(s, bias, relu, dnnl::prop_kind::forward_inference);
    e->prim = dnnl::convolution_forward(pd);
    e->src_md = s.Src(OperandType());
    e->dst_md = s.Dst();
    e->user_w_md = s.UserW(OperandType());
    e->w_md = pd.weights_desc();
    e->has_bias = bias;
    if (bias) e->bias_md = memory::desc({s.o}, dt::f32, tag::a);
    e->reorder_w = e->w_md != e->user_w_md;
    if (e->reorder_w) {
      e->w_mem = memory(e->w_md, engine_);
      e->w_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(engine_, e->user_w_md, engine_, e->w_md));
    }
    return static_cast<ConvFwdEntry*>(cache_.Insert(key, std::move(e)));
  }

  // conv2d(x, w, bias|null, y, dims, relu)
  Napi::Value Conv2D(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ConvShape s = ReadConv(info[4]);
    float* x = F32(info[0], s.n * s.h * s.w * s.c, "conv2d x");
    float* w = F32(info[1], s.kh * s.kw * s.c * s.o, "conv2d filter");
    float* b = OptF32(info[2], s.o, "conv2d bias");
    float* y = F32(info[3], s.n * s.oh * s.ow * s.o, "conv2d y");
    bool relu = info[5].ToBoolean();
    Guard(env, "conv2d", ThreadsFor(s.Flops()), [&] {
      auto* e = GetConvFwd(s, b != nullptr, relu);
      void* xs = Operand(0, x, s.n * s.h * s.w * s.c);
      void* ws = Operand(1, w, s.kh * s.kw * s.c * s.o);
      memory src(e->src_md, engine_, xs), dst(e->dst_md, engine_, y), uw(e->user_w_md, engine_, ws);
      memory wm = uw;
      if (e->reorder_w) {
        e->w_reorder.execute(stream_, uw, e->w_mem);
        wm = e->w_mem;
      }
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, dst}};
      if (b) args.insert({DNNL_ARG_BIAS, memory(e->bias_md, engine_, b)});
      e->prim.execute(stream_, args);
      stream_.wait();
    });
    return env.Undefined();
  }

  ConvBwdDataEntry* GetConvBwdData(const ConvShape& s) {
    std::string key = s.Key("cbd") + ThreadKey();
    if (auto* e = cache_.Find(key)) return static_cast<ConvBwdDataEntry*>(e);
    auto e = std::make_unique<ConvBwdDataEntry>();
    auto hint = FwdPd(s, false, false, dnnl::prop_kind::forward_training);
    dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, s.Src(), s.AnyW(OperandType()),
                                            s.Dst(OperandType()), s.Strides(), s.PadL(), s.PadR());
    dnnl::convolution_backward_data::primitive_desc pd(d, engine_, hint);
    e->prim = dnnl::convolution_backward_data(pd);
    e->diff_src_md = s.Src();
    e->diff_dst_md = s.Dst(OperandType());
    e->user_w_md = s.UserW(OperandType());
    e->w_md = pd.weights_desc();
    e->reorder_w = e->w_md != e->user_w_md;
    if (e->reorder_w) {
      e->w_mem = memory(e->w_md, engine_);
      e->w_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(engine_, e->user_w_md, engine_, e->w_md));
    }
    return static_cast<ConvBwdDataEntry*>(cache_.Insert(key, std::move(e)));
  }

  // conv2dBackpropInput(dy, w, dx, dims)
  Napi::Value Conv2DBackpropInput(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ConvShape s = ReadConv(info[3]);
    float* dy = F32(info[0], s.n * s.oh * s.ow * s.o, "conv2dBackpropInput dy");
    float* w = F32(info[1], s.kh * s.kw * s.c * s.o, "conv2dBackpropInput filter");
    float* dx = F32(info[2], s.n * s.h * s.w * s.c, "conv2dBackpropInput dx");
    Guard(env, "conv2dBackpropInput", ThreadsFor(s.Flops()), [&] {
      auto* e = GetConvBwdData(s);
      void* dys = Operand(0, dy, s.n * s.oh * s.ow * s.o);
      void* ws = Operand(1, w, s.kh * s.kw * s.c * s.o);
      memory ddst(e->diff_dst_md, engine_, dys), dsrc(e->diff_src_md, engine_, dx), uw(e->user_w_md, engine_, ws);
      memory wm = uw;
      if (e->reorder_w) {
        e->w_reorder.execute(stream_, uw, e->w_mem);
        wm = e->w_mem;
      }
      e->prim.execute(stream_, {{DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DIFF_SRC, dsrc}});
      stream_.wait();
    });
    return env.Undefined();
  }

  ConvBwdWeightsEntry* GetConvBwdWeights(const ConvShape& s, bool bias) {
    std::string key = s.Key("cbw") + (bias ? "b" : "") + ThreadKey();
    if (auto* e = cache_.Find(key)) return static_cast<ConvBwdWeightsEntry*>(e);
    auto e = std::make_unique<ConvBwdWeightsEntry>();
    auto hint = FwdPd(s, bias, false, dnnl::prop_kind::forward_training);
    memory::desc bias_md = bias ? memory::desc({s.o}, dt::f32, tag::a) : memory::desc();
    dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, s.Src(OperandType()), s.AnyW(),
                                               bias_md, s.Dst(OperandType()), s.Strides(), s.PadL(), s.PadR());
    dnnl::convolution_backward_weights::primitive_desc pd(d, engine_, hint);
    e->prim = dnnl::convolution_backward_weights(pd);
    e->src_md = s.Src(OperandType());
    e->diff_dst_md = s.Dst(OperandType());
    e->user_dw_md = s.UserW();
    e->dw_md = pd.diff_weights_desc();
    e->has_bias = bias;
    e->diff_bias_md = bias_md;
    e->reorder_dw = e->dw_md != e->user_dw_md;
    if (e->reorder_dw) {
      e->dw_mem = memory(e->dw_md, engine_);
      e->dw_reorder = dnnl::reorder(dnnl::reorder::primitive_desc(engine_, e->dw_md, engine_, e->user_dw_md));
    }
    return static_cast<ConvBwdWeightsEntry*>(cache_.Insert(key, std::move(e)));
  }

  // conv2dBackpropFilter(x, dy, dw, dbias|null, dims)
  Napi::Value Conv2DBackpropFilter(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    ConvShape s = ReadConv(info[4]);
    float* x = F32(info[0], s.n * s.h * s.w * s.c, "conv2dBackpropFilter x");
    float* dy = F32(info[1], s.n * s.oh * s.ow * s.o, "conv2dBackpropFilter dy");
    float* dw = F32(info[2], s.kh * s.kw * s.c * s.o, "conv2dBackpropFilter dw");
    float* db = OptF32(info[3], s.o, "conv2dBackpropFilter dbias");
    Guard(env, "conv2dBackpropFilter", ThreadsFor(s.Flops()), [&] {
      auto* e = GetConvBwdWeights(s, db != nullptr);
      void* xs = Operand(0, x, s.n * s.h * s.w * s.c);
      void* dys = Operand(1, dy, s.n * s.oh * s.ow * s.o);
      memory src(e->src_md, engine_, xs), ddst(e->diff_dst_md, engine_, dys), udw(e->user_dw_md, engine_, dw);
      memory dwm = e->reorder_dw ? e->dw_mem : udw;
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, ddst}, {DNNL_ARG_DIFF_WEIGHTS, dwm}};
      if (db) args.insert({DNNL_ARG_DIFF_BIAS, memory(e->diff_bias_md, engine_, db)});
      e->prim.execute(stream_, args);
      if (e->reorder_dw) e->dw_reorder.execute(stream_, e->dw_mem, udw);
      stream_.wait();
    });
    return env.Undefined();
  }

  // matMul(a, b, bias|null, c, dims=[batchA, batchB, m, k, n, transA, transB], relu)
  // a is [batchA, m, k] (or [batchA, k, m] when transA), b is [batchB, k, n]
  // (or [batchB, n, k]); a batch of 1 broadcasts against the other.
  Napi::Value MatMul(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto d = Dims(info[4], 7, "matMul dims");
    int64_t ba = d[0], bb = d[1], m = d[2], k = d[3], n = d[4];
    bool ta = d[5] != 0, tb = d[6] != 0;
    if (ba < 1 || bb < 1 || m < 1 || k < 1 || n < 1) throw Napi::RangeError::New(env, "matMul dims: sizes must be >= 1");
    if (ba != bb && ba != 1 && bb != 1) throw Napi::RangeError::New(env, "matMul: batches must match or be 1");
    int64_t batch = std::max(ba, bb);
    float* a = F32(info[0], ba * m * k, "matMul a");
    float* b = F32(info[1], bb * k * n, "matMul b");
    float* bias = OptF32(info[2], n, "matMul bias");
    float* c = F32(info[3], batch * m * n, "matMul c");
    bool relu = info[5].ToBoolean();
    Guard(env, "matMul", ThreadsFor(2.0 * batch * m * n * k), [&] {
      std::ostringstream ks;
      ks << "mm:" << ba << ',' << bb << ',' << m << ',' << k << ',' << n << ',' << ta << tb << (bias ? 'b' : '-')
         << (relu ? 'r' : '-') << ThreadKey();
      std::string key = ks.str();
      auto* e = static_cast<MatMulEntry*>(cache_.Find(key));
      if (!e) {
        auto ne = std::make_unique<MatMulEntry>();
        // Transposes are strides over the same buffer: no copies.
        dt ot = OperandType();
        ne->a_md = ta ? memory::desc({ba, m, k}, ot, memory::dims{m * k, 1, m})
                      : memory::desc({ba, m, k}, ot, memory::dims{m * k, k, 1});
        ne->b_md = tb ? memory::desc({bb, k, n}, ot, memory::dims{k * n, 1, k})
                      : memory::desc({bb, k, n}, ot, memory::dims{k * n, n, 1});
        ne->c_md = memory::desc({batch, m, n}, dt::f32, memory::dims{m * n, n, 1});
        ne->has_bias = bias != nullptr;
        if (bias) ne->bias_md = memory::desc({1, 1, n}, dt::f32, memory::dims{n, n, 1});
        dnnl::matmul::desc md = bias ? dnnl::matmul::desc(ne->a_md, ne->b_md, ne->bias_md, ne->c_md)
                                     : dnnl::matmul::desc(ne->a_md, ne->b_md, ne->c_md);
        dnnl::primitive_attr attr;
        if (relu) {
          dnnl::post_ops po;
          po.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
          attr.set_post_ops(po);
        }
        ne->prim = dnnl::matmul(dnnl::matmul::primitive_desc(md, attr, engine_));
        e = static_cast<MatMulEntry*>(cache_.Insert(key, std::move(ne)));
      }
      void* as = Operand(0, a, ba * m * k);
      void* bs = Operand(1, b, bb * k * n);
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC, memory(e->a_md, engine_, as)},
                                           {DNNL_ARG_WEIGHTS, memory(e->b_md, engine_, bs)},
                                           {DNNL_ARG_DST, memory(e->c_md, engine_, c)}};
      if (bias) args.insert({DNNL_ARG_BIAS, memory(e->bias_md, engine_, bias)});
      e->prim.execute(stream_, args);
      stream_.wait();
    });
    return env.Undefined();
  }

  // Max pooling is written by hand rather than with oneDNN so that ties (common
  // after a ReLU: windows of zeros) resolve exactly as tfjs's cpu kernel does:
  // the first maximum in row-major window order wins, and receives the gradient.
  struct PoolShape {
    int64_t n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow;
  };
  static PoolShape ReadPool(const Napi::Value& v) {
    auto d = Dims(v, 12, "pool dims");
    PoolShape p{d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]};
    if (p.n < 1 || p.h < 1 || p.w < 1 || p.c < 1 || p.kh < 1 || p.kw < 1 || p.sh < 1 || p.sw < 1 || p.oh < 1 ||
        p.ow < 1) {
      throw Napi::RangeError::New(v.Env(), "pool dims: sizes and strides must be >= 1");
    }
    return p;
  }

  // maxPool(x, y, dims)
  Napi::Value MaxPool(const Napi::CallbackInfo& info) {
    PoolShape p = ReadPool(info[2]);
    const float* x = F32(info[0], p.n * p.h * p.w * p.c, "maxPool x");
    float* y = F32(info[1], p.n * p.oh * p.ow * p.c, "maxPool y");
    int nthr = p.n * p.h * p.w * p.c > kParallelElements ? threads_ : 1;
#pragma omp parallel for collapse(2) schedule(static) num_threads(nthr)
    for (int64_t b = 0; b < p.n; ++b) {
      for (int64_t r = 0; r < p.oh; ++r) {
        for (int64_t q = 0; q < p.ow; ++q) {
          float* out = y + ((b * p.oh + r) * p.ow + q) * p.c;
          int64_t r0 = r * p.sh - p.pt, c0 = q * p.sw - p.pl;
          for (int64_t ch = 0; ch < p.c; ++ch) out[ch] = -INFINITY;
          // Channel-innermost so the loads are contiguous; strict '>' keeps the first maximum.
          for (int64_t i = 0; i < p.kh; ++i) {
            int64_t xr = r0 + i;
            if (xr < 0 || xr >= p.h) continue;
            for (int64_t j = 0; j < p.kw; ++j) {
              int64_t xc = c0 + j;
              if (xc < 0 || xc >= p.w) continue;
              const float* in = x + ((b * p.h + xr) * p.w + xc) * p.c;
              for (int64_t ch = 0; ch < p.c; ++ch) out[ch] = in[ch] > out[ch] ? in[ch] : out[ch];
            }
          }
        }
      }
    }
    return info.Env().Undefined();
  }

  // maxPoolGrad(x, dy, dx, dims): dx must arrive zeroed. Each output routes its
  // gradient to its window's first maximum (the element tfjs picks).
  Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
    PoolShape p = ReadPool(info[3]);
    const float* x = F32(info[0], p.n * p.h * p.w * p.c, "maxPoolGrad x");
    const float* dy = F32(info[1], p.n * p.oh * p.ow * p.c, "maxPoolGrad dy");
    float* dx = F32(info[2], p.n * p.h * p.w * p.c, "maxPoolGrad dx");
    int nthr = p.n * p.h * p.w * p.c > kParallelElements ? threads_ : 1;
    // Windows overlap within an image, never across images: one image per
    // thread at a time keeps every write private. Channels innermost, so every
    // load is contiguous.
#pragma omp parallel num_threads(nthr)
    {
      std::vector<float> best(p.c);
      std::vector<int64_t> pos(p.c);
#pragma omp for schedule(static)
      for (int64_t b = 0; b < p.n; ++b) {
        for (int64_t r = 0; r < p.oh; ++r) {
          for (int64_t q = 0; q < p.ow; ++q) {
            std::fill(pos.begin(), pos.end(), -1);
            int64_t r0 = r * p.sh - p.pt, c0 = q * p.sw - p.pl;
            for (int64_t i = 0; i < p.kh; ++i) {
              int64_t xr = r0 + i;
              if (xr < 0 || xr >= p.h) continue;
              for (int64_t j = 0; j < p.kw; ++j) {
                int64_t xc = c0 + j;
                if (xc < 0 || xc >= p.w) continue;
                int64_t base = ((b * p.h + xr) * p.w + xc) * p.c;
                const float* in = x + base;
                for (int64_t ch = 0; ch < p.c; ++ch) {
                  if (pos[ch] < 0 || in[ch] > best[ch]) {
                    best[ch] = in[ch];
                    pos[ch] = base + ch;
                  }
                }
              }
            }
            const float* g = dy + ((b * p.oh + r) * p.ow + q) * p.c;
            for (int64_t ch = 0; ch < p.c; ++ch) {
              if (pos[ch] >= 0) dx[pos[ch]] += g[ch];
            }
          }
        }
      }
    }
    return info.Env().Undefined();
  }

  // Elementwise kernels: memory-bound, so plain loops over both cores are
  // enough; their point is to replace tfjs's per-element index arithmetic for
  // broadcasts, which costs more than the convolutions they sit between.

  // binary(op, a, b, out, period, bIsSmall): out = a op b where the smaller
  // operand repeats with `period` elements (period = out length when both are
  // full). op: 0 add, 1 subtract, 2 multiply, 3 divide.
  Napi::Value Binary(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int op = info[0].As<Napi::Number>().Int32Value();
    int64_t period = info[4].As<Napi::Number>().Int64Value();
    bool b_small = info[5].ToBoolean();
    auto out_arr = info[3].As<Napi::Float32Array>();
    int64_t len = static_cast<int64_t>(out_arr.ElementLength());
    if (period < 1 || len % period != 0) throw Napi::RangeError::New(env, "binary: period must divide the output length");
    const float* a = F32(info[1], b_small ? len : period, "binary a");
    const float* b = F32(info[2], b_small ? period : len, "binary b");
    float* out = F32(info[3], len, "binary out");
    const float* big = b_small ? a : b;
    const float* small = b_small ? b : a;
    int64_t rows = len / period;
    omp_set_num_threads(threads_);
    // a op b keeps its operand order whichever side repeats (subtraction).
#define VIDPAD_BINARY(EXPR)                                                 \
  _Pragma("omp parallel for schedule(static) if (len > kParallelElements)")            \
  for (int64_t r = 0; r < rows; ++r) {                                      \
    const float* pb = big + r * period;                                     \
    float* po = out + r * period;                                           \
    for (int64_t j = 0; j < period; ++j) {                                  \
      float x = b_small ? pb[j] : small[j];                                 \
      float y = b_small ? small[j] : pb[j];                                 \
      po[j] = EXPR;                                                         \
    }                                                                       \
  }
    if (rows == 1 && period > kParallelElements) {
      // One long row (same-shape operands): parallelise inside it.
      if (op == 0) {
#pragma omp parallel for schedule(static)
        for (int64_t j = 0; j < period; ++j) out[j] = a[j] + b[j];
      } else if (op == 1) {
#pragma omp parallel for schedule(static)
        for (int64_t j = 0; j < period; ++j) out[j] = a[j] - b[j];
      } else if (op == 2) {
#pragma omp parallel for schedule(static)
        for (int64_t j = 0; j < period; ++j) out[j] = a[j] * b[j];
      } else if (op == 3) {
#pragma omp parallel for schedule(static)
        for (int64_t j = 0; j < period; ++j) out[j] = a[j] / b[j];
      } else {
        throw Napi::RangeError::New(env, "binary: unknown op");
      }
    } else if (op == 0) {
      VIDPAD_BINARY(x + y)
    } else if (op == 1) {
      VIDPAD_BINARY(x - y)
    } else if (op == 2) {
      VIDPAD_BINARY(x * y)
    } else if (op == 3) {
      VIDPAD_BINARY(x / y)
    } else {
      throw Napi::RangeError::New(env, "binary: unknown op");
    }
#undef VIDPAD_BINARY
    return env.Undefined();
  }

  // unary(op, x, out, alpha): op 0 relu, 1 step (x > 0 ? 1 : alpha; NaN stays NaN, as in tfjs).
  Napi::Value Unary(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int op = info[0].As<Napi::Number>().Int32Value();
    auto x_arr = info[1].As<Napi::Float32Array>();
    int64_t len = static_cast<int64_t>(x_arr.ElementLength());
    const float* x = F32(info[1], len, "unary x");
    float* out = F32(info[2], len, "unary out");
    float alpha = static_cast<float>(info[3].As<Napi::Number>().DoubleValue());
    omp_set_num_threads(threads_);
    if (op == 0) {
#pragma omp parallel for schedule(static) if (len > kParallelElements)
      for (int64_t i = 0; i < len; ++i) out[i] = x[i] < 0.f ? 0.f : x[i];
    } else if (op == 1) {
#pragma omp parallel for schedule(static) if (len > kParallelElements)
      for (int64_t i = 0; i < len; ++i) out[i] = std::isnan(x[i]) ? x[i] : (x[i] > 0.f ? 1.f : alpha);
    } else {
      throw Napi::RangeError::New(env, "unary: unknown op");
    }
    return env.Undefined();
  }

  // sum(x, out, rows, cols, overRows): x viewed as [rows, cols]; overRows sums
  // the rows away (out has cols elements), otherwise the columns (out has rows).
  // Accumulates in double, as tfjs's JavaScript sum does.
  Napi::Value Sum(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    int64_t rows = info[2].As<Napi::Number>().Int64Value();
    int64_t cols = info[3].As<Napi::Number>().Int64Value();
    bool over_rows = info[4].ToBoolean();
    if (rows < 1 || cols < 1) throw Napi::RangeError::New(env, "sum: rows and cols must be >= 1");
    const float* x = F32(info[0], rows * cols, "sum x");
    float* out = F32(info[1], over_rows ? cols : rows, "sum out");
    omp_set_num_threads(threads_);
    if (!over_rows) {
#pragma omp parallel for schedule(static) if (rows * cols > kParallelElements)
      for (int64_t r = 0; r < rows; ++r) {
        double acc = 0;
        const float* p = x + r * cols;
        for (int64_t j = 0; j < cols; ++j) acc += p[j];
        out[r] = static_cast<float>(acc);
      }
      return env.Undefined();
    }
    int nthr = rows * cols > kParallelElements ? threads_ : 1;
    std::vector<double> partial(static_cast<size_t>(nthr) * cols, 0.0);
#pragma omp parallel num_threads(nthr)
    {
      int t = omp_get_thread_num();
      int nt = omp_get_num_threads();
      double* acc = partial.data() + static_cast<size_t>(t) * cols;
      int64_t r0 = rows * t / nt, r1 = rows * (t + 1) / nt;
      for (int64_t r = r0; r < r1; ++r) {
        const float* p = x + r * cols;
        for (int64_t j = 0; j < cols; ++j) acc[j] += p[j];
      }
    }
    for (int64_t j = 0; j < cols; ++j) {
      double acc = 0;
      for (int t = 0; t < nthr; ++t) acc += partial[static_cast<size_t>(t) * cols + j];
      out[j] = static_cast<float>(acc);
    }
    return env.Undefined();
  }

  // Batch normalisation: x and y are [rows, channels] (NHWC, channels last);
  // gamma, beta, mean and variance have `channels` elements; variance is the
  // biased (population) one, as used to normalise. `relu` fuses the ReLU.
  struct BnArgs {
    int64_t rows, c;
    double eps;
    float floor;
    int nthr;
  };
  BnArgs ReadBn(const Napi::CallbackInfo& info, size_t at) {
    Napi::Env env = info.Env();
    int64_t rows = info[at].As<Napi::Number>().Int64Value();
    int64_t c = info[at + 1].As<Napi::Number>().Int64Value();
    double eps = info[at + 2].As<Napi::Number>().DoubleValue();
    bool relu = info[at + 3].ToBoolean();
    if (rows < 1 || c < 1) throw Napi::RangeError::New(env, "batchNorm: rows and channels must be >= 1");
    if (!(eps > 0)) throw Napi::RangeError::New(env, "batchNorm: epsilon must be > 0");
    return {rows, c, eps, relu ? 0.f : -INFINITY, rows * c > kParallelElements ? threads_ : 1};
  }

  // batchNormTrain(x, gamma, beta, y, mean, variance, rows, channels, epsilon, relu):
  // normalises with the batch's own statistics and writes them to mean/variance.
  Napi::Value BatchNormTrain(const Napi::CallbackInfo& info) {
    BnArgs a = ReadBn(info, 6);
    const float* x = F32(info[0], a.rows * a.c, "batchNormTrain x");
    const float* gamma = F32(info[1], a.c, "batchNormTrain gamma");
    const float* beta = F32(info[2], a.c, "batchNormTrain beta");
    float* y = F32(info[3], a.rows * a.c, "batchNormTrain y");
    float* mean = F32(info[4], a.c, "batchNormTrain mean");
    float* var = F32(info[5], a.c, "batchNormTrain variance");
    BnMoments(x, a.rows, a.c, a.nthr, mean, var);
    std::vector<float> scale(a.c), shift(a.c);
    BnScaleShift(gamma, beta, mean, var, a.eps, a.c, scale.data(), shift.data());
    BnApply(x, y, a.rows, a.c, scale.data(), shift.data(), a.floor, a.nthr);
    return info.Env().Undefined();
  }

  // batchNormInfer(x, gamma, beta, mean, variance, y, rows, channels, epsilon, relu):
  // normalises with given (running) statistics.
  Napi::Value BatchNormInfer(const Napi::CallbackInfo& info) {
    BnArgs a = ReadBn(info, 6);
    const float* x = F32(info[0], a.rows * a.c, "batchNormInfer x");
    const float* gamma = F32(info[1], a.c, "batchNormInfer gamma");
    const float* beta = F32(info[2], a.c, "batchNormInfer beta");
    const float* mean = F32(info[3], a.c, "batchNormInfer mean");
    const float* var = F32(info[4], a.c, "batchNormInfer variance");
    float* y = F32(info[5], a.rows * a.c, "batchNormInfer y");
    std::vector<float> scale(a.c), shift(a.c);
    BnScaleShift(gamma, beta, mean, var, a.eps, a.c, scale.data(), shift.data());
    BnApply(x, y, a.rows, a.c, scale.data(), shift.data(), a.floor, a.nthr);
    return info.Env().Undefined();
  }

  // batchNormGrad(x, dy, gamma, beta, mean, variance, dx, dgamma, dbeta, rows, channels, epsilon, relu):
  // the gradient of batchNormTrain with the batch statistics it returned
  // (mean and variance depend on x, and the formula accounts for it).
  Napi::Value BatchNormGrad(const Napi::CallbackInfo& info) {
    BnArgs a = ReadBn(info, 9);
    const float* x = F32(info[0], a.rows * a.c, "batchNormGrad x");
    const float* dy = F32(info[1], a.rows * a.c, "batchNormGrad dy");
    const float* gamma = F32(info[2], a.c, "batchNormGrad gamma");
    const float* beta = F32(info[3], a.c, "batchNormGrad beta");
    const float* mean = F32(info[4], a.c, "batchNormGrad mean");
    const float* var = F32(info[5], a.c, "batchNormGrad variance");
    float* dx = F32(info[6], a.rows * a.c, "batchNormGrad dx");
    float* dgamma = F32(info[7], a.c, "batchNormGrad dgamma");
    float* dbeta = F32(info[8], a.c, "batchNormGrad dbeta");
    std::vector<float> scale(a.c), shift(a.c), ca(a.c), cb(a.c), cc(a.c);
    BnScaleShift(gamma, beta, mean, var, a.eps, a.c, scale.data(), shift.data());
    std::vector<double> sdy(a.c), sdyx(a.c);
    BnGradSums(x, dy, a.rows, a.c, scale.data(), shift.data(), mean, a.floor, a.nthr, sdy.data(), sdyx.data());
    double n = static_cast<double>(a.rows);
    for (int64_t j = 0; j < a.c; ++j) {
      double inv = 1.0 / std::sqrt(static_cast<double>(var[j]) + a.eps);
      // dx = gamma·inv·(g − Σg/n − (x−mean)·inv²·Σg(x−mean)/n)
      double k = static_cast<double>(gamma[j]) * inv;
      double b = -k * inv * inv * sdyx[j] / n;
      ca[j] = static_cast<float>(k);
      cb[j] = static_cast<float>(b);
      cc[j] = static_cast<float>(-k * sdy[j] / n);
      dgamma[j] = static_cast<float>(sdyx[j] * inv);
      dbeta[j] = static_cast<float>(sdy[j]);
    }
    BnGradInput(x, dy, dx, a.rows, a.c, scale.data(), shift.data(), mean, a.floor, ca.data(), cb.data(), cc.data(), a.nthr);
    return info.Env().Undefined();
  }

  // implInfo(kind, dims): the oneDNN implementation a conv would use, for tests and profiling.
  Napi::Value ImplInfo(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    std::string kind = info[0].As<Napi::String>().Utf8Value();
    ConvShape s = ReadConv(info[1]);
    return Guard(env, "implInfo", threads_, [&]() -> Napi::Value {
      auto fwd = FwdPd(s, false, false, dnnl::prop_kind::forward_training);
      if (kind == "forward") return Napi::String::New(env, fwd.impl_info_str());
      if (kind == "backwardData") {
        dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, s.Src(), s.AnyW(OperandType()),
                                                s.Dst(OperandType()), s.Strides(), s.PadL(), s.PadR());
        return Napi::String::New(env, dnnl::convolution_backward_data::primitive_desc(d, engine_, fwd).impl_info_str());
      }
      dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, s.Src(OperandType()), s.AnyW(),
                                                 s.Dst(OperandType()), s.Strides(), s.PadL(), s.PadR());
      return Napi::String::New(env, dnnl::convolution_backward_weights::primitive_desc(d, engine_, fwd).impl_info_str());
    });
  }
};

Napi::Value Version(const Napi::CallbackInfo& info) {
  const dnnl_version_t* v = dnnl_version();
  std::ostringstream s;
  s << v->major << '.' << v->minor << '.' << v->patch;
  return Napi::String::New(info.Env(), s.str());
}

Napi::Value MaxThreads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), omp_get_num_procs()); }

// cpuFeatures(): what cpuid and xgetbv report, and the ISA oneDNN dispatches to.
Napi::Value CpuFeaturesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CpuFeatures f = DetectCpu();
  Napi::Object o = Napi::Object::New(env);
  o.Set("vendor", f.vendor);
  o.Set("brand", f.brand);
  o.Set("avx2", f.avx2 && f.os_avx);
  o.Set("fma", f.fma && f.os_avx);
  o.Set("avx512f", f.avx512f && f.os_avx512);
  o.Set("avx512Core", f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.os_avx512);
  o.Set("avx512Vnni", f.avx512_vnni && f.os_avx512);
  o.Set("avxVnni", f.avx_vnni && f.os_avx);
  o.Set("avx512Bf16", f.avx512_bf16 && f.os_avx512);
  o.Set("amxBf16", f.amx_bf16 && f.amx_tile && f.os_amx);
  o.Set("amxInt8", f.amx_int8 && f.amx_tile && f.os_amx);
  o.Set("bf16Hardware", HasBf16Hardware(f));
  o.Set("oneDnnIsa", OneDnnIsaName(dnnl_get_effective_cpu_isa()));
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Context", Context::Define(env));
  exports.Set("oneDnnVersion", Napi::Function::New(env, Version));
  exports.Set("numProcs", Napi::Function::New(env, MaxThreads));
  exports.Set("cpuFeatures", Napi::Function::New(env, CpuFeaturesJs));
  return exports;
}

}  // namespace

NODE_API_MODULE(vidpad_native, Init)
