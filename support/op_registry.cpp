// The registry: every support/ops/<op>_case.cpp, found by CMake (the generated list
// vknorm_op_case_list.inc holds one VKNORM_OP_CASE(<op>) per file), in OpCase::order().
#include "support/op_registry.h"

#include <algorithm>

namespace vknorm_support {

#define VKNORM_OP_CASE(op) const OpCase& op##_case();
#include "vknorm_op_case_list.inc"
#undef VKNORM_OP_CASE

int64_t BenchShape::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

uint64_t BenchTensor::bytes() const {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n * vknorm::dtype_size(dtype);
}

std::string OpCase::skip_reason(const CaseSpec&) const { return ""; }

const std::vector<const OpCase*>& op_cases() {
  static const std::vector<const OpCase*> all = [] {
    std::vector<const OpCase*> v;
#define VKNORM_OP_CASE(op) v.push_back(&op##_case());
#include "vknorm_op_case_list.inc"
#undef VKNORM_OP_CASE
    std::stable_sort(v.begin(), v.end(),
                     [](const OpCase* a, const OpCase* b) { return a->order() < b->order(); });
    return v;
  }();
  return all;
}

const OpCase* find_op_case(const std::string& name) {
  for (const OpCase* c : op_cases()) {
    if (name == c->name()) return c;
    for (const std::string& a : c->aliases())
      if (name == a) return c;
  }
  return nullptr;
}

std::string op_case_names() {
  std::string s;
  for (const OpCase* c : op_cases()) s += (s.empty() ? "" : ", ") + std::string(c->name());
  return s;
}

}  // namespace vknorm_support
