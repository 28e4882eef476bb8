// What the library reads from a compute module's SPIR-V before recording it:
//  - the workgroup (shared) memory it declares, as per_invocation x WG + fixed bytes, WG being
//    specialization constant 0 (every kernel's workgroup size), plus arrays sized by another
//    specialization constant (bytes per unit of it): each dispatch is checked against the
//    device's (or a limits profile's) maxComputeSharedMemorySize; the build's contract check
//    refuses a kernel whose shared arrays have another form, so the figure is never a guess;
//  - which storage-buffer bindings of descriptor set 0 it may write (a binding none of whose
//    variables is NonWritable): the recorder orders dispatches whose bound ranges overlap.
// Header-only: the library and tools/contract_check share it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vknorm::detail {

struct SpirvReflection {
  uint64_t per_invocation = 0;  // shared bytes per workgroup invocation (arrays sized by WG)
  uint64_t fixed = 0;           // shared bytes of arrays of constant length and scalars
  // Arrays sized by specialization constant id (> 0): (id, bytes per unit, default value).
  struct BySpec {
    uint32_t id;
    uint64_t bytes_per_unit, default_value;
  };
  std::vector<BySpec> by_spec;
  uint32_t written_bindings = 0;  // bit b: binding b of set 0 may be written
  std::string error;            // non-empty: a shared variable of another form (why)
  // spec[i]: the value of specialization constant i (spec[0] = WG), as a dispatch sets them;
  // a constant past its end keeps the module's default.
  uint64_t shared_bytes(const std::vector<uint32_t>& spec) const {
    uint64_t b = per_invocation * (spec.empty() ? 1 : spec[0]) + fixed;
    for (const BySpec& s : by_spec) b += s.bytes_per_unit * (s.id < spec.size() ? spec[s.id] : s.default_value);
    return b;
  }
};

// Sizes are the tight sum of the members (no padding): the std430-like layouts drivers use
// for shared memory add at most vec4 alignment, which the kernels' vec2 / vec4 arrays meet.
inline SpirvReflection reflect_spirv(const uint32_t* w, size_t count) {
  enum : uint32_t {
    OpTypeInt = 21, OpTypeFloat = 22, OpTypeVector = 23, OpTypeArray = 28, OpTypeStruct = 30,
    OpTypePointer = 32, OpConstant = 43, OpSpecConstant = 50, OpVariable = 59, OpDecorate = 71,
    OpMemberDecorate = 72, DecSpecId = 1, DecNonWritable = 24, DecBinding = 33, DecDescriptorSet = 34,
    ScWorkgroup = 4, ScUniform = 2, ScStorageBuffer = 12,
  };
  SpirvReflection out;
  if (count < 5 || w[0] != 0x07230203u) {
    out.error = "not a SPIR-V module";
    return out;
  }
  std::map<uint32_t, uint64_t> scalar;                   // type id -> bytes
  std::map<uint32_t, std::vector<uint32_t>> composite;   // vector / struct -> member types
  std::map<uint32_t, std::pair<uint32_t, uint32_t>> array;  // array -> (element type, length id)
  std::map<uint32_t, uint32_t> pointee, constant, spec_id;
  std::map<uint32_t, bool> is_spec;
  std::vector<uint32_t> shared_pointers;
  std::map<uint32_t, uint32_t> buffer_var_type, binding, set;  // storage-buffer variables
  std::map<uint32_t, bool> var_nonwritable;
  std::map<uint32_t, std::map<uint32_t, bool>> member_nonwritable;
  for (size_t i = 5; i < count;) {
    const uint32_t n = w[i] >> 16, op = w[i] & 0xFFFFu;
    if (n == 0 || i + n > count) {
      out.error = "malformed instruction stream";
      return out;
    }
    const uint32_t* a = &w[i + 1];
    if ((op == OpTypeInt || op == OpTypeFloat) && n >= 3) scalar[a[0]] = a[1] / 8;
    if (op == OpTypeVector && n >= 4) composite[a[0]].assign(a[2], a[1]);
    if (op == OpTypeStruct) composite[a[0]].assign(a + 1, a + n - 1);
    if (op == OpTypeArray && n >= 4) array[a[0]] = {a[1], a[2]};
    if (op == OpTypePointer && n >= 4) pointee[a[0]] = a[2];
    if ((op == OpConstant || op == OpSpecConstant) && n >= 4) {
      constant[a[1]] = a[2];
      is_spec[a[1]] = op == OpSpecConstant;
    }
    if (op == OpDecorate && n >= 4 && a[1] == DecSpecId) spec_id[a[0]] = a[2];
    if (op == OpDecorate && n >= 4 && a[1] == DecBinding) binding[a[0]] = a[2];
    if (op == OpDecorate && n >= 4 && a[1] == DecDescriptorSet) set[a[0]] = a[2];
    if (op == OpDecorate && n >= 3 && a[1] == DecNonWritable) var_nonwritable[a[0]] = true;
    if (op == OpMemberDecorate && n >= 4 && a[2] == DecNonWritable) member_nonwritable[a[0]][a[1]] = true;
    if (op == OpVariable && n >= 4 && a[2] == ScWorkgroup) shared_pointers.push_back(a[0]);
    if (op == OpVariable && n >= 4 && (a[2] == ScStorageBuffer || a[2] == ScUniform)) buffer_var_type[a[1]] = a[0];
    i += n;
  }
  // Bytes of a type without WG-sized arrays; false for anything else.
  auto fixed_bytes = [&](auto&& self, uint32_t t, int depth, uint64_t* bytes) -> bool {
    if (depth > 8) return false;
    if (scalar.count(t)) return *bytes = scalar[t], true;
    if (composite.count(t)) {
      uint64_t sum = 0;
      for (uint32_t m : composite[t]) {
        uint64_t b = 0;
        if (!self(self, m, depth + 1, &b)) return false;
        sum += b;
      }
      return *bytes = sum, true;
    }
    if (array.count(t)) {
      const auto [elem, len] = array[t];
      uint64_t b = 0;
      if (!constant.count(len) || is_spec[len] || !self(self, elem, depth + 1, &b)) return false;
      return *bytes = b * constant[len], true;
    }
    return false;
  };
  // A binding is written unless every variable bound to it is NonWritable (as a variable, or
  // in every member of its block).
  for (const auto& [var, ptr_type] : buffer_var_type) {
    if (!binding.count(var) || (set.count(var) && set[var] != 0) || binding[var] >= 32) continue;
    bool readonly = var_nonwritable[var];
    if (!readonly && pointee.count(ptr_type) && composite.count(pointee[ptr_type])) {
      const uint32_t block = pointee[ptr_type];
      readonly = true;
      for (uint32_t m = 0; m < composite[block].size(); ++m) readonly = readonly && member_nonwritable[block][m];
    }
    if (!readonly) out.written_bindings |= 1u << binding[var];
  }
  for (uint32_t ptr : shared_pointers) {
    const uint32_t t = pointee.count(ptr) ? pointee[ptr] : 0;
    uint64_t b = 0;
    if (fixed_bytes(fixed_bytes, t, 0, &b)) {
      out.fixed += b;
      continue;
    }
    // An array whose length is a specialization constant (0: WG) of elements of a fixed size.
    if (array.count(t)) {
      const auto [elem, len] = array[t];
      if (is_spec[len] && spec_id.count(len) && fixed_bytes(fixed_bytes, elem, 0, &b)) {
        if (spec_id[len] == 0)
          out.per_invocation += b;
        else
          out.by_spec.push_back({spec_id[len], b, constant[len]});
        continue;
      }
    }
    out.error = "a shared variable (type %" + std::to_string(t) +
                ") is neither of constant size nor an array sized by a specialization constant";
    return out;
  }
  return out;
}

}  // namespace vknorm::detail
