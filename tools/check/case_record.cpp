#include "tools/check/case_record.h"

#include "tools/check/matrix.h"

#include <cmath>

namespace vknorm_check {

const char* status_name(CaseStatus s) {
  switch (s) {
    case CaseStatus::pass: return "pass";
    case CaseStatus::fail: return "fail";
    case CaseStatus::skip: return "skip";
  }
  return "?";
}

const char* layout_name(Layout l) {
  switch (l) {
    case Layout::buffer: return "buffer";
    case Layout::address: return "address";
    case Layout::misaligned: return "misaligned";
    case Layout::in_place: return "in_place";
  }
  return "?";
}

bool parse_layout(const std::string& s, Layout* out) {
  if (s == "buffer") {
    *out = Layout::buffer;
  } else if (s == "address" || s == "by-address" || s == "bda") {
    *out = Layout::address;
  } else if (s == "misaligned" || s == "offset") {
    *out = Layout::misaligned;
  } else if (s == "in_place" || s == "inplace") {
    *out = Layout::in_place;
  } else {
    return false;
  }
  return true;
}

std::string CheckCase::label() const {
  std::string s = spec.op->name();
  s += ' ';
  s += vknorm::dtype_name(spec.dtype);
  s += ' ';
  s += vknorm_support::shape_string(spec.shape);
  if (spec.op->uses_normalized_rank()) {
    s += " nr=" + std::to_string(spec.normalized_rank);
  }
  s += " eps=" + format_number(spec.eps);
  s += ' ';
  s += vknorm_support::data_kind_name(spec.data);
  if (layout != Layout::buffer) {
    s += ' ';
    s += layout_name(layout);
  }
  if (!spec.affine) s += " noaffine";
  if (!spec.optional_outputs) s += " noopt";
  // Every CaseSpec field a matrix entry varies is in the label: --compare matches cases by it.
  if (spec.weight_offset != 0) s += " woff=" + format_number(spec.weight_offset);
  if (spec.momentum != 0.1) s += " momentum=" + format_number(spec.momentum);
  if (spec.groups) s += " groups=" + std::to_string(spec.groups);
  if (spec.add_bias) s += " addbias";
  if (spec.activation != vknorm::Activation::none) s += std::string(" act=") + vknorm_support::activation_name(spec.activation);
  if (spec.f32_params && spec.dtype != vknorm::DType::f32) s += " f32params";
  if (spec.f32_residual && spec.dtype != vknorm::DType::f32) s += " f32residual";
  if (has_config) s += " cfg=" + vknorm::to_string(config);
  s += " seed=" + std::to_string(spec.seed);
  return s;
}

namespace {
template <typename F>
double worst(const std::vector<OutputRecord>& outs, F get) {
  double w = 0;
  for (const auto& o : outs) {
    const double v = get(o);
    if (std::isnan(v)) return v;
    if (v > w) w = v;
  }
  return w;
}
}  // namespace

double CaseRecord::nmse() const {
  return worst(outputs, [](const OutputRecord& o) { return o.nmse; });
}
double CaseRecord::max_abs() const {
  return worst(outputs, [](const OutputRecord& o) { return o.max_abs; });
}
double CaseRecord::max_rel() const {
  return worst(outputs, [](const OutputRecord& o) { return o.max_rel; });
}
int64_t CaseRecord::nan_mismatches() const {
  int64_t n = 0;
  for (const auto& o : outputs) n += o.nan_mismatches;
  return n;
}
int64_t CaseRecord::inf_mismatches() const {
  int64_t n = 0;
  for (const auto& o : outputs) n += o.inf_mismatches;
  return n;
}

int RunReport::count(CaseStatus s) const {
  int n = 0;
  for (const auto& c : cases) n += c.status == s ? 1 : 0;
  return n;
}

bool RunReport::all_passed() const {
  return count(CaseStatus::fail) == 0 && run_validation_messages.empty() && !aborted;
}

}  // namespace vknorm_check
