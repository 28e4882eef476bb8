// One operator invocation on a HostDevice, checked against the fp64 reference.
#include "support/op_case.h"

#include "support/dtype_convert.h"
#include "support/reference.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>

namespace vknorm_support {

// ---------------------------------------------------------------------------------------------
// Names

const char* op_kind_name(OpKind k) {
  switch (k) {
    case OpKind::rms_norm:
      return "rms_norm";
    case OpKind::layer_norm_forward:
      return "layer_norm";
    case OpKind::layer_norm_backward:
      return "layer_norm_backward";
  }
  return "?";
}

bool parse_op_kind(const std::string& s, OpKind* out) {
  if (s == "rms_norm" || s == "rms" || s == "rmsnorm") {
    *out = OpKind::rms_norm;
  } else if (s == "layer_norm" || s == "layer_norm_forward" || s == "ln" || s == "layernorm") {
    *out = OpKind::layer_norm_forward;
  } else if (s == "layer_norm_backward" || s == "ln_bwd" || s == "layer_norm_bwd") {
    *out = OpKind::layer_norm_backward;
  } else {
    return false;
  }
  return true;
}

bool parse_shape(const std::string& text, std::vector<int64_t>* out) {
  std::string s;
  for (char c : text) {
    if (c == '[' || c == ']' || c == ' ') continue;
    s += (c == ',' || c == 'X' || c == '*') ? 'x' : c;
  }
  std::vector<int64_t> dims;
  size_t pos = 0;
  while (pos <= s.size()) {
    const size_t next = s.find('x', pos);
    const std::string tok = s.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (tok.empty()) return false;
    int64_t v = 0;
    const auto r = std::from_chars(tok.data(), tok.data() + tok.size(), v);
    if (r.ec != std::errc() || r.ptr != tok.data() + tok.size() || v < 0) return false;
    dims.push_back(v);
    if (next == std::string::npos) break;
    pos = next + 1;
  }
  if (dims.empty() || static_cast<int>(dims.size()) > vknorm::kMaxRank) return false;
  *out = dims;
  return true;
}

bool parse_dtype(const std::string& s, vknorm::DType* out) {
  if (s == "f32" || s == "fp32" || s == "float32" || s == "float") {
    *out = vknorm::DType::f32;
  } else if (s == "f16" || s == "fp16" || s == "float16" || s == "half") {
    *out = vknorm::DType::f16;
  } else if (s == "bf16" || s == "bfloat16") {
    *out = vknorm::DType::bf16;
  } else {
    return false;
  }
  return true;
}

const char* data_kind_name(DataKind k) {
  switch (k) {
    case DataKind::uniform01:
      return "uniform01";
    case DataKind::normal:
      return "normal";
    case DataKind::large_mean:
      return "large_mean";
    case DataKind::nan_inf:
      return "nan_inf";
    case DataKind::outlier_first:
      return "outlier_first";
  }
  return "?";
}

bool parse_data_kind(const std::string& s, DataKind* out) {
  for (DataKind k : {DataKind::uniform01, DataKind::normal, DataKind::large_mean, DataKind::nan_inf,
                     DataKind::outlier_first})
    if (s == data_kind_name(k)) {
      *out = k;
      return true;
    }
  if (s == "uniform" || s == "rand") {
    *out = DataKind::uniform01;
    return true;
  }
  if (s == "randn") {
    *out = DataKind::normal;
    return true;
  }
  return false;
}

std::string CaseSpec::label() const {
  std::string s = op_kind_name(op);
  s += " ";
  s += vknorm::dtype_name(dtype);
  s += " [";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  s += "]";
  char buf[64];
  if (op != OpKind::rms_norm) s += " nr=" + std::to_string(normalized_rank);
  if (op != OpKind::layer_norm_backward) {
    std::snprintf(buf, sizeof buf, " eps=%g", eps);
    s += buf;
  }
  s += " seed=" + std::to_string(seed) + " " + data_kind_name(data);
  if (!affine) s += " noaffine";
  if (!optional_outputs) s += " noopt";
  if (by_address) s += " addr";
  if (misalign_bytes) s += " misalign=" + std::to_string(misalign_bytes);
  if (in_place) s += " inplace";
  if (config) s += " config=" + vknorm::to_string(*config);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Data

namespace {

uint64_t mix64(uint64_t z) {  // splitmix64 finalizer
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Counter-based stream: element i of stream `seed`.
uint64_t hash_at(uint64_t seed, uint64_t i) { return mix64(mix64(seed) ^ (i * 0xd1b54a32d192ed03ull)); }

double uniform_at(uint64_t seed, uint64_t i) {
  return static_cast<double>(hash_at(seed, i) >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
}

// Box-Muller on the pair (2k, 2k+1): element i gets the cosine (even) or sine (odd) branch.
void fill_normal(std::vector<double>* out, uint64_t seed) {
  const double two_pi = 6.283185307179586476925286766559;
  const size_t n = out->size();
  for (size_t i = 0; i < n; i += 2) {
    const uint64_t k = i / 2;
    const double u1 = 1.0 - uniform_at(seed, 2 * k);  // (0, 1]
    const double u2 = uniform_at(seed, 2 * k + 1);
    const double r = std::sqrt(-2.0 * std::log(u1));
    (*out)[i] = r * std::cos(two_pi * u2);
    if (i + 1 < n) (*out)[i + 1] = r * std::sin(two_pi * u2);
  }
}

void quantize_all(std::vector<double>* v, vknorm::DType dtype) {
  for (double& x : *v) x = quantize(x, dtype);
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

uint64_t sub_seed(uint64_t seed, uint64_t stream) { return mix64(seed * 0x100000001b3ull + stream); }

int64_t product(const std::vector<int64_t>& v, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < v.size(); ++i) p *= v[i];
  return p;
}

}  // namespace

std::vector<double> make_data(DataKind kind, size_t n, uint64_t seed, vknorm::DType dtype) {
  std::vector<double> v(n);
  switch (kind) {
    case DataKind::uniform01:
      for (size_t i = 0; i < n; ++i) v[i] = uniform_at(seed, i);
      break;
    case DataKind::normal:
      fill_normal(&v, seed);
      break;
    case DataKind::large_mean:
      for (size_t i = 0; i < n; ++i) v[i] = 1e4 + (2.0 * uniform_at(seed, i) - 1.0) * 1e-2;
      break;
    case DataKind::outlier_first:  // make_case_inputs places the outliers
      fill_normal(&v, seed);
      break;
    case DataKind::nan_inf: {
      fill_normal(&v, seed);
      const uint64_t s2 = sub_seed(seed, 77);
      for (size_t i = 0; i < n; ++i) {
        const uint64_t h = hash_at(s2, i) % 1000;
        if (h == 0) v[i] = kNaN;
        else if (h == 1) v[i] = kInf;
        else if (h == 2) v[i] = -kInf;
      }
      break;
    }
  }
  quantize_all(&v, dtype);
  return v;
}

CaseInputs make_case_inputs(const CaseSpec& spec) {
  CaseInputs in;
  const auto& sh = spec.shape;
  const size_t rank = sh.size();
  const bool any_negative = std::any_of(sh.begin(), sh.end(), [](int64_t d) { return d < 0; });
  const int64_t numel = any_negative ? 0 : product(sh, 0, rank);
  const DataKind base =
      spec.data == DataKind::nan_inf || spec.data == DataKind::outlier_first ? DataKind::normal : spec.data;
  const double outlier = quantize(1e4, spec.dtype);
  in.x = make_data(base, static_cast<size_t>(numel), spec.seed, spec.dtype);

  auto affine_values = [&](int64_t n, uint64_t stream, double center) {
    std::vector<double> v(static_cast<size_t>(n));
    fill_normal(&v, sub_seed(spec.seed, stream));
    for (double& w : v) w = center + 0.1 * w;
    quantize_all(&v, spec.dtype);
    return v;
  };

  if (spec.op == OpKind::rms_norm) {
    in.valid = rank >= 2 && !any_negative;
    in.N = rank >= 1 ? sh[0] : 1;
    in.C = rank >= 2 ? sh[1] : 1;
    in.S = rank >= 2 ? product(sh, 2, rank) : 1;
    if (any_negative) in.N = in.C = in.S = 0;
    if (spec.affine && in.C > 0) in.weight = affine_values(in.C, 1, 1.0);
    if (spec.data == DataKind::outlier_first && in.valid && in.C > 0)
      for (int64_t n = 0; n < in.N; ++n)
        for (int64_t s = 0; s < in.S; ++s) in.x[static_cast<size_t>(n * in.C * in.S + s)] = outlier;
    if (spec.data == DataKind::nan_inf && in.valid) {
      for (int64_t n = 0; n < in.N; ++n)
        for (int64_t s = 0; s < in.S; ++s) {
          const int64_t col = n * in.S + s;
          const int kind = static_cast<int>(col % 6);
          if (kind == 0 || kind == 5 || in.C == 0) continue;
          const int64_t c1 = static_cast<int64_t>(hash_at(spec.seed, static_cast<uint64_t>(col)) %
                                                  static_cast<uint64_t>(in.C));
          const int64_t c2 = (c1 + 1) % in.C;
          auto at = [&](int64_t c) -> double& {
            return in.x[static_cast<size_t>((n * in.C + c) * in.S + s)];
          };
          if (kind == 1) at(c1) = kNaN;
          if (kind == 2) at(c1) = kInf;
          if (kind == 3) at(c1) = -kInf;
          if (kind == 4) {
            at(c1) = kInf;
            if (in.C > 1) at(c2) = kNaN;
          }
        }
    }
    return in;
  }

  const int nr = spec.normalized_rank;
  in.valid = nr >= 1 && static_cast<size_t>(nr) <= rank && !any_negative;
  const size_t lead = in.valid ? rank - static_cast<size_t>(nr) : 0;
  in.rows = in.valid ? product(sh, 0, lead) : 0;
  in.D = in.valid ? product(sh, lead, rank) : 0;
  if (spec.affine && in.D > 0) {
    in.weight = affine_values(in.D, 1, 1.0);
    if (spec.op == OpKind::layer_norm_forward) in.bias = affine_values(in.D, 2, 0.0);
  }
  if (spec.data == DataKind::outlier_first && in.valid && in.D > 0)
    for (int64_t r = 0; r < in.rows; ++r) in.x[static_cast<size_t>(r * in.D)] = outlier;
  if (spec.data == DataKind::nan_inf && in.valid && in.D > 0) {
    for (int64_t r = 0; r < in.rows; ++r) {
      const int kind = static_cast<int>(r % 6);
      if (kind == 0 || kind == 5) continue;
      const int64_t j1 = static_cast<int64_t>(hash_at(spec.seed, static_cast<uint64_t>(r)) %
                                              static_cast<uint64_t>(in.D));
      const int64_t j2 = (j1 + in.D / 2) % in.D;
      double* row = in.x.data() + r * in.D;
      if (kind == 1) row[j1] = kNaN;
      if (kind == 2) row[j1] = kInf;
      if (kind == 3) row[j1] = -kInf;
      if (kind == 4) {
        row[j1] = kInf;
        if (j2 != j1) row[j2] = -kInf;
      }
    }
  }
  if (spec.op == OpKind::layer_norm_backward && in.valid) {
    in.dy.resize(in.x.size());
    fill_normal(&in.dy, sub_seed(spec.seed, 3));
    quantize_all(&in.dy, spec.dtype);
    // The forward's eps is not part of a backward spec: use spec.eps for rstd (the stored
    // statistics are what the backward consumes; any eps gives a valid input).
    layer_norm_reference(in.x, {}, {}, nullptr, &in.mean, &in.rstd, in.rows, in.D, spec.eps);
    quantize_all(&in.mean, vknorm::DType::f32);
    quantize_all(&in.rstd, vknorm::DType::f32);
  }
  return in;
}

// ---------------------------------------------------------------------------------------------
// run_case

namespace {

constexpr uint32_t kPoison = 0xFFFF7FBFu;  // NaN as f32 and as every 16-bit half (f16, bf16)
constexpr VkDeviceSize kLeadGuard = 256;   // bytes before each view (keeps the base aligned)
constexpr VkDeviceSize kTailGuard = 64;    // bytes after each view

bool poison_intact(const std::vector<uint8_t>& bytes, size_t begin, size_t end, size_t* bad) {
  uint8_t w[4];
  std::memcpy(w, &kPoison, 4);
  for (size_t i = begin; i < end && i < bytes.size(); ++i)
    if (bytes[i] != w[i & 3]) {
      if (bad) *bad = i;
      return false;
    }
  return true;
}

struct DevTensor {
  std::string name;
  bool output = false;
  vknorm::DType dtype = vknorm::DType::f32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> host;  // inputs: the uploaded bytes
  Buffer buf;
  VkDeviceSize offset = 0, bytes = 0;
  vknorm::Tensor view;
};

double ulp32(double m) {
  if (!std::isfinite(m) || m == 0) return 0;
  int e = 0;
  std::frexp(m, &e);  // |m| in [2^(e-1), 2^e)
  return std::ldexp(1.0, std::max(e - 1, -126) - 23);
}

class CaseRunner {
 public:
  CaseRunner(HostDevice& dev, const CaseSpec& spec, const CaseRunOptions& opt, CaseResult* res)
      : dev_(dev), spec_(spec), opt_(opt), res_(*res) {}
  ~CaseRunner() {
    for (auto& t : tensors_) dev_.destroy_buffer(t.buf);
    dev_.destroy_buffer(scratch_);
  }

  void run();

 private:
  DevTensor* add(const std::string& name, bool output, vknorm::DType dtype,
                 std::vector<int64_t> shape, const std::vector<double>* values);
  bool allocate();
  vknorm::Tensor scratch_view(VkDeviceSize bytes);
  void fail(const std::string& why) {
    if (res_.failure.empty()) res_.failure = why;
  }
  bool outputs_fully_poisoned(std::string* where);
  bool guards_intact(std::string* where);
  void check(const std::string& name, const std::vector<double>& ref, Tolerance tol,
             const std::function<void(std::vector<double>&)>& adjust_got = nullptr);
  DevTensor* find(const std::string& name) {
    for (auto& t : tensors_)
      if (t.name == name) return &t;
    return nullptr;
  }

  HostDevice& dev_;
  const CaseSpec& spec_;
  const CaseRunOptions& opt_;
  CaseResult& res_;
  std::vector<DevTensor> tensors_;
  Buffer scratch_;
  std::vector<std::vector<uint8_t>> downloaded_;  // per tensor, whole buffer, after the run
};

DevTensor* CaseRunner::add(const std::string& name, bool output, vknorm::DType dtype,
                           std::vector<int64_t> shape, const std::vector<double>* values) {
  DevTensor t;
  t.name = name;
  t.output = output;
  t.dtype = dtype;
  int64_t n = 1;
  for (int64_t d : shape) n *= std::max<int64_t>(d, 0);
  t.shape = std::move(shape);
  t.bytes = static_cast<VkDeviceSize>(n) * vknorm::dtype_size(dtype);
  t.offset = kLeadGuard + spec_.misalign_bytes;
  if (values) t.host = encode(*values, dtype);
  tensors_.push_back(std::move(t));
  return &tensors_.back();
}

bool CaseRunner::allocate() {
  for (auto& t : tensors_) {
    const VkDeviceSize size = (t.offset + t.bytes + kTailGuard + 3) & ~VkDeviceSize(3);
    std::string err;
    t.buf = dev_.create_buffer(size, false, &err);
    if (!t.buf.buffer) {
      fail("allocating " + t.name + " (" + std::to_string(size) + " bytes) failed: " + err);
      return false;
    }
    dev_.fill(t.buf, kPoison);
    if (!t.host.empty()) dev_.upload(t.buf, t.host.data(), t.host.size(), t.offset);
    if (spec_.by_address) {
      t.view = vknorm::Tensor::contiguous_at(t.buf.address + t.offset, t.bytes, t.dtype, t.shape);
    } else {
      t.view = vknorm::Tensor::contiguous(t.buf.buffer, t.offset, t.bytes, t.dtype, t.shape);
    }
  }
  return true;
}

vknorm::Tensor CaseRunner::scratch_view(VkDeviceSize bytes) {
  std::string err;
  scratch_ = dev_.create_buffer(bytes, false, &err);
  if (!scratch_.buffer) {
    fail("allocating scratch (" + std::to_string(bytes) + " bytes) failed: " + err);
    return {};
  }
  const std::vector<int64_t> shape{static_cast<int64_t>((bytes + 3) / 4)};
  if (spec_.by_address) return vknorm::Tensor::contiguous_at(scratch_.address, bytes, vknorm::DType::f32, shape);
  return vknorm::Tensor::contiguous(scratch_.buffer, 0, bytes, vknorm::DType::f32, shape);
}

bool CaseRunner::outputs_fully_poisoned(std::string* where) {
  for (auto& t : tensors_) {
    if (!t.output) continue;
    std::vector<uint8_t> bytes(static_cast<size_t>(t.buf.size));
    dev_.download(t.buf, bytes.data(), bytes.size());
    size_t bad = 0;
    if (!t.host.empty()) {  // an in-place output: its input values must still be there
      if (std::memcmp(bytes.data() + t.offset, t.host.data(), t.host.size()) != 0) {
        *where = t.name + " (in place) was modified";
        return false;
      }
      continue;
    }
    if (!poison_intact(bytes, 0, bytes.size(), &bad)) {
      *where = t.name + " byte " + std::to_string(bad);
      return false;
    }
  }
  return true;
}

bool CaseRunner::guards_intact(std::string* where) {
  for (size_t k = 0; k < tensors_.size(); ++k) {
    const DevTensor& t = tensors_[k];
    const std::vector<uint8_t>& bytes = downloaded_[k];
    size_t bad = 0;
    const size_t b = static_cast<size_t>(t.offset), e = static_cast<size_t>(t.offset + t.bytes);
    if (!poison_intact(bytes, 0, b, &bad) || !poison_intact(bytes, e, bytes.size(), &bad)) {
      *where = "write outside the view of " + t.name + " at buffer byte " + std::to_string(bad) +
               " (view is [" + std::to_string(b) + ", " + std::to_string(e) + "))";
      return false;
    }
    if (!t.output && !t.host.empty() &&
        std::memcmp(bytes.data() + b, t.host.data(), t.host.size()) != 0) {
      *where = "input " + t.name + " was modified";
      return false;
    }
  }
  return true;
}

void CaseRunner::check(const std::string& name, const std::vector<double>& ref, Tolerance tol,
                       const std::function<void(std::vector<double>&)>& adjust_got) {
  size_t k = 0;
  while (k < tensors_.size() && tensors_[k].name != name) ++k;
  if (k == tensors_.size()) return;
  const DevTensor& t = tensors_[k];
  const auto& all = downloaded_[k];
  std::vector<uint8_t> bytes(all.begin() + static_cast<std::ptrdiff_t>(t.offset),
                             all.begin() + static_cast<std::ptrdiff_t>(t.offset + t.bytes));
  OutputCheck oc;
  oc.name = name;
  std::vector<double> got = decode(bytes, t.dtype);
  if (adjust_got) adjust_got(got);
  oc.stats = compare(got, ref, tol);
  if (got.size() != ref.size())
    fail(name + ": " + std::to_string(got.size()) + " elements, reference has " +
         std::to_string(ref.size()));
  else if (!oc.stats.pass)
    fail(name + ": " + oc.stats.summary());
  if (opt_.keep_values) {
    oc.got = std::move(got);
    oc.ref = ref;
  }
  res_.outputs.push_back(std::move(oc));
}

void CaseRunner::run() {
  const vknorm::DeviceInfo& info = dev_.info();
  const vknorm::DType dt = spec_.dtype;
  if (dt != vknorm::DType::f32 && !info.supports(dt)) {
    res_.skipped = true;
    res_.skip_reason = std::string("device lacks ") + vknorm::dtype_name(dt) + " storage";
    return;
  }
  if (spec_.by_address && !info.enabled.buffer_device_address) {
    res_.skipped = true;
    res_.skip_reason = "context lacks buffer_device_address";
    return;
  }
  if (spec_.op == OpKind::layer_norm_backward && spec_.data == DataKind::nan_inf) {
    res_.skipped = true;
    res_.skip_reason = "NaN/Inf behaviour of layer_norm_backward is not specified";
    return;
  }

  CaseInputs in = make_case_inputs(spec_);
  const std::vector<int64_t>& shape = spec_.shape;
  const int nr = spec_.normalized_rank;
  std::vector<int64_t> norm_shape, lead_shape;
  if (spec_.op != OpKind::rms_norm && in.valid) {
    lead_shape.assign(shape.begin(), shape.end() - nr);
    norm_shape.assign(shape.end() - nr, shape.end());
  } else if (spec_.op != OpKind::rms_norm) {
    norm_shape = {std::max<int64_t>(in.D, 1)};
  }
  if (lead_shape.empty()) lead_shape = {1};

  vknorm::RmsNormArgs ra{};
  vknorm::LayerNormArgs la{};
  vknorm::LayerNormBackwardArgs ba{};
  const bool has_opt = spec_.optional_outputs;
  // In place: one tensor named "y", uploaded with x's values, passed as both x and y.
  const bool in_place = spec_.in_place && spec_.op != OpKind::layer_norm_backward;
  const char* x_name = in_place ? "y" : "x";
  switch (spec_.op) {
    case OpKind::rms_norm:
      if (!in_place) add("x", false, dt, shape, &in.x);
      add("y", true, dt, shape, in_place ? &in.x : nullptr);
      if (spec_.affine) add("weight", false, dt, {in.C}, &in.weight);
      break;
    case OpKind::layer_norm_forward:
      if (!in_place) add("x", false, dt, shape, &in.x);
      add("y", true, dt, shape, in_place ? &in.x : nullptr);
      if (spec_.affine) {
        add("weight", false, dt, norm_shape, &in.weight);
        add("bias", false, dt, norm_shape, &in.bias);
      }
      if (has_opt) {
        add("mean", true, vknorm::DType::f32, lead_shape, nullptr);
        add("rstd", true, vknorm::DType::f32, lead_shape, nullptr);
      }
      break;
    case OpKind::layer_norm_backward:
      add("dy", false, dt, shape, &in.dy);
      add("x", false, dt, shape, &in.x);
      if (spec_.affine) add("weight", false, dt, norm_shape, &in.weight);
      add("mean", false, vknorm::DType::f32, lead_shape, &in.mean);
      add("rstd", false, vknorm::DType::f32, lead_shape, &in.rstd);
      add("dx", true, dt, shape, nullptr);
      if (has_opt) {
        add("dweight", true, dt, norm_shape, nullptr);
        add("dbias", true, dt, norm_shape, nullptr);
      }
      break;
  }
  if (!allocate()) return;
  auto view = [&](const char* name) {
    DevTensor* t = find(name);
    return t ? t->view : vknorm::Tensor{};
  };

  VkDeviceSize scratch_bytes = 0;
  vknorm::Error serr;
  switch (spec_.op) {
    case OpKind::rms_norm:
      ra.x = view(x_name);
      ra.y = view("y");
      ra.weight = view("weight");
      ra.eps = static_cast<float>(spec_.eps);
      ra.config = spec_.config;
      serr = vknorm::rms_norm_scratch_size(dev_.context(), ra, &scratch_bytes);
      break;
    case OpKind::layer_norm_forward:
      la.x = view(x_name);
      la.y = view("y");
      la.weight = view("weight");
      la.bias = view("bias");
      la.mean = view("mean");
      la.rstd = view("rstd");
      la.normalized_rank = nr;
      la.eps = static_cast<float>(spec_.eps);
      la.config = spec_.config;
      serr = vknorm::layer_norm_scratch_size(dev_.context(), la, &scratch_bytes);
      break;
    case OpKind::layer_norm_backward:
      ba.dy = view("dy");
      ba.x = view("x");
      ba.weight = view("weight");
      ba.mean = view("mean");
      ba.rstd = view("rstd");
      ba.dx = view("dx");
      ba.dweight = view("dweight");
      ba.dbias = view("dbias");
      ba.normalized_rank = nr;
      ba.config = spec_.config;
      serr = vknorm::layer_norm_backward_scratch_size(dev_.context(), ba, &scratch_bytes);
      break;
  }
  if (serr.ok() && scratch_bytes > 0) {
    // RmsNormArgs has no scratch tensor: rms_norm can only use the context's scratch.
    if (spec_.op != OpKind::rms_norm) {
      vknorm::Tensor s = scratch_view(scratch_bytes);
      if (!s.is_set()) return;
      if (spec_.op == OpKind::layer_norm_forward) la.scratch = s;
      else ba.scratch = s;
    }
  }
  vknorm::Error cerr;
  switch (spec_.op) {
    case OpKind::rms_norm:
      cerr = vknorm::select_config(dev_.context(), ra, &res_.config);
      break;
    case OpKind::layer_norm_forward:
      cerr = vknorm::select_config(dev_.context(), la, &res_.config);
      break;
    case OpKind::layer_norm_backward:
      cerr = vknorm::select_config(dev_.context(), ba, &res_.config);
      break;
  }

  vknorm::Error rerr;
  const VkResult vr = dev_.run([&](VkCommandBuffer cmd) {
    switch (spec_.op) {
      case OpKind::rms_norm:
        rerr = vknorm::record_rms_norm(dev_.context(), cmd, ra);
        break;
      case OpKind::layer_norm_forward:
        rerr = vknorm::record_layer_norm(dev_.context(), cmd, la);
        break;
      case OpKind::layer_norm_backward:
        rerr = vknorm::record_layer_norm_backward(dev_.context(), cmd, ba);
        break;
    }
  });
  if (!rerr.ok()) {
    res_.error = rerr;
    std::string where;
    res_.outputs_untouched = vr == VK_SUCCESS && outputs_fully_poisoned(&where);
    fail(std::string("record failed: ") + vknorm::status_name(rerr.status) + ": " + rerr.message);
    if (!res_.outputs_untouched) fail("outputs modified after a refused call: " + where);
    return;
  }
  if (!serr.ok()) fail(std::string("scratch_size failed but record succeeded: ") + serr.message);
  if (!cerr.ok()) fail(std::string("select_config failed but record succeeded: ") + cerr.message);
  if (vr != VK_SUCCESS) {
    fail("submission failed: VkResult " + std::to_string(static_cast<int>(vr)));
    return;
  }
  res_.ran = true;

  downloaded_.resize(tensors_.size());
  for (size_t k = 0; k < tensors_.size(); ++k) {
    downloaded_[k].resize(static_cast<size_t>(tensors_[k].buf.size));
    dev_.download(tensors_[k].buf, downloaded_[k].data(), downloaded_[k].size());
  }
  std::string where;
  if (!guards_intact(&where)) fail(where);
  if (!in.valid) {
    fail("the library accepted a shape that does not fit the op");
    return;
  }

  switch (spec_.op) {
    case OpKind::rms_norm: {
      std::vector<double> y;
      rms_norm_reference(in.x, in.weight, &y, in.N, in.C, in.S, spec_.eps);
      check("y", y, tolerance_for(dt));
      break;
    }
    case OpKind::layer_norm_forward: {
      std::vector<double> y, mean, rstd;
      layer_norm_reference(in.x, in.weight, in.bias, &y, &mean, &rstd, in.rows, in.D, spec_.eps);
      // Conditioning: the device keeps the mean in fp32, so x - mean carries the rounding of
      // the mean, up to one fp32 ulp of |mean| here (a correctly rounded mean is within half
      // an ulp). y then moves by ulp(mean) * rstd * |w|, and the variance about the rounded
      // mean by ulp^2, i.e. rstd by (ulp * rstd)^2 relative. Negligible for centred data;
      // for large_mean rows (1e4 +- 1e-2, ulp 2^-10) it is the inherent error of any fp32
      // implementation, whereas E[x^2]-E[x]^2 would lose the variance completely.
      double cond = 0, wmax = 1;
      for (size_t r = 0; r < mean.size(); ++r)
        if (std::isfinite(mean[r]) && std::isfinite(rstd[r]))
          cond = std::max(cond, ulp32(mean[r]) * rstd[r]);
      for (double w : in.weight)
        if (std::isfinite(w)) wmax = std::max(wmax, std::fabs(w));
      Tolerance ty = tolerance_for(dt);
      ty.atol += cond * wmax;
      ty.rtol += cond * cond;
      check("y", y, ty);
      // mean / rstd of rows holding NaN / Inf: vknorm.h specifies only that y is NaN there.
      auto ignore_nonfinite_rows = [&](const std::vector<double>& ref) {
        return [&ref, &mean](std::vector<double>& got) {
          for (size_t r = 0; r < got.size() && r < ref.size(); ++r)
            if (!std::isfinite(mean[r])) got[r] = ref[r];
        };
      };
      // The mean of centred data is a cancellation result (|mean| ~ |x| / sqrt(D)): its
      // rounding error scales with |x|, not with |mean|, so the nmse bound (relative to
      // sum mean^2) does not apply; the element-wise atol (1e-5, for |x| ~ 1) does.
      Tolerance tm = tolerance_for(vknorm::DType::f32);
      tm.max_nmse = std::numeric_limits<double>::infinity();
      check("mean", mean, tm, ignore_nonfinite_rows(mean));
      Tolerance tr = tolerance_for(vknorm::DType::f32);
      tr.rtol += cond * cond;
      check("rstd", rstd, tr, ignore_nonfinite_rows(rstd));
      break;
    }
    case OpKind::layer_norm_backward: {
      std::vector<double> dx, dw, db;
      layer_norm_backward_reference(in.dy, in.x, in.weight, in.mean, in.rstd, &dx, &dw, &db,
                                    in.rows, in.D);
      // dx = rstd * (g - mean(g) - xhat * mean(g xhat)): its fp32 rounding error is relative to
      // the scale of dx (rstd * |g|, ~170 for rows with a 1e-2 spread), not to each element, so
      // the absolute tolerance follows the reference's RMS.
      Tolerance tdx = tolerance_for(dt);
      {
        double ss = 0;
        int64_t n = 0;
        for (double r : dx)
          if (std::isfinite(r)) { ss += r * r; ++n; }
        if (n) tdx.atol *= std::max(1.0, std::sqrt(ss / double(n)));
      }
      check("dx", dx, tdx);
      check("dweight", dw, tolerance_for(dt, in.rows));
      check("dbias", db, tolerance_for(dt, in.rows));
      break;
    }
  }
}

}  // namespace

CaseResult run_case(HostDevice& device, const CaseSpec& spec, const CaseRunOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  CaseResult res;
  {
    CaseRunner runner(device, spec, options, &res);
    runner.run();
  }
  res.pass = res.ran && !res.skipped && res.failure.empty();
  res.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return res;
}

}  // namespace vknorm_support
