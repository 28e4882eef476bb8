// The text forms of a case: dtype, shape and data-kind names and parsers, CaseSpec::label.
#include "support/op_case.h"
#include "support/op_registry.h"

#include <charconv>
#include <cstdio>

namespace vknorm_support {

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

std::string shape_string(const std::vector<int64_t>& shape, const char* separator) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += separator;
    s += std::to_string(shape[i]);
  }
  return s;
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

const char* activation_name(vknorm::Activation a) {
  switch (a) {
    case vknorm::Activation::none:
      return "none";
    case vknorm::Activation::silu:
      return "silu";
    case vknorm::Activation::gelu_tanh:
      return "gelu_tanh";
  }
  return "?";
}

bool parse_activation(const std::string& s, vknorm::Activation* out) {
  for (vknorm::Activation a : {vknorm::Activation::none, vknorm::Activation::silu, vknorm::Activation::gelu_tanh})
    if (s == activation_name(a)) {
      *out = a;
      return true;
    }
  return false;
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
  std::string s = op ? op->name() : "?";
  s += " ";
  s += vknorm::dtype_name(dtype);
  s += " [" + shape_string(shape, ",") + "]";
  char buf[64];
  if (op && op->uses_normalized_rank()) s += " nr=" + std::to_string(normalized_rank);
  if (op && op->uses_eps()) {
    std::snprintf(buf, sizeof buf, " eps=%g", eps);
    s += buf;
  }
  s += " seed=" + std::to_string(seed) + " " + data_kind_name(data);
  if (!affine) s += " noaffine";
  if (!optional_outputs) s += " noopt";
  if (weight_offset != 0) {
    std::snprintf(buf, sizeof buf, " woff=%g", weight_offset);
    s += buf;
  }
  if (momentum != 0.1) {
    std::snprintf(buf, sizeof buf, " momentum=%g", momentum);
    s += buf;
  }
  if (groups) s += " groups=" + std::to_string(groups);
  if (add_bias) s += " addbias";
  if (f32_params && dtype != vknorm::DType::f32) s += " f32params";
  if (f32_residual && dtype != vknorm::DType::f32) s += " f32residual";
  if (activation != vknorm::Activation::none) s += std::string(" act=") + activation_name(activation);
  if (by_address) s += " addr";
  if (misalign_bytes) s += " misalign=" + std::to_string(misalign_bytes);
  if (in_place) s += " inplace";
  if (config) s += " config=" + vknorm::to_string(*config);
  return s;
}

}  // namespace vknorm_support
