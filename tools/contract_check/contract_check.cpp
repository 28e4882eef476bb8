// Build-time check of one compiled kernel against its contract (shaders/contracts/<kernel>.h,
// through the C++ expansion the library uses): the push block's members (names, offsets,
// sizes) and the storage-buffer bindings in the SPIR-V must be what the host builds, and every
// specialization constant id one the host sets. Run by cmake/shaders.cmake after glslang; on
// a mismatch, or shared memory of a form the library cannot size before recording
// (core/spirv_reflect.h), it prints why, deletes the module (so that the next build checks it again) and
// fails the build.
//   vknorm_contract_check <kernel> <desc|addr> <module.spv>
#include "contract_list.inc"  // generated: #include "contracts/<kernel>.h" for every kernel
#include "core/spirv_reflect.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

using vknorm::detail::KernelContract;

struct Entry {
  const KernelContract* contract;
  const char* binding_names;  // "x y w "
  const char* field_names;    // "D x_rs ... "
};

const Entry* find_contract(const std::string& name) {
  static const Entry all[] = {
#define VKNORM_CONTRACT(k) {&vknorm::kernels::k::contract, vknorm::kernels::k::binding_names, vknorm::kernels::k::field_names},
#include "contract_table.inc"  // generated: VKNORM_CONTRACT(<kernel>) for every kernel
#undef VKNORM_CONTRACT
  };
  for (const Entry& e : all)
    if (name == e.contract->name) return &e;
  return nullptr;
}

std::vector<std::string> words_of(const char* s) {
  std::vector<std::string> out;
  std::string cur;
  for (; *s; ++s) {
    if (*s != ' ') cur += *s;
    else if (!cur.empty()) out.push_back(cur), cur.clear();
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// What the check needs from a module.
struct Module {
  std::vector<uint32_t> push_offsets, push_sizes;  // members of the push-constant block
  std::vector<std::string> push_names;
  std::set<uint32_t> bindings;                      // descriptor set 0
  std::set<uint32_t> spec_ids;
  std::string error;
};

enum : uint32_t {
  OpMemberName = 6, OpTypeInt = 21, OpTypeFloat = 22, OpTypeStruct = 30, OpTypePointer = 32, OpVariable = 59,
  OpDecorate = 71, OpMemberDecorate = 72,
  DecSpecId = 1, DecBinding = 33, DecDescriptorSet = 34, DecOffset = 35,
  ScPushConstant = 9, ScPhysicalStorageBuffer = 5349,
};

Module parse(const std::vector<uint32_t>& w) {
  Module m;
  if (w.size() < 5 || w[0] != 0x07230203u) {
    m.error = "not a SPIR-V module";
    return m;
  }
  std::map<uint32_t, uint32_t> scalar_bytes, pointer_class, pointee, var_type, binding, set;
  std::map<uint32_t, std::vector<uint32_t>> struct_members;
  std::map<uint32_t, std::map<uint32_t, uint32_t>> member_offset;
  std::map<uint32_t, std::map<uint32_t, std::string>> member_name;
  uint32_t push_var = 0;
  for (size_t i = 5; i < w.size();) {
    const uint32_t n = w[i] >> 16, op = w[i] & 0xFFFFu;
    if (n == 0 || i + n > w.size()) {
      m.error = "malformed instruction stream";
      return m;
    }
    const uint32_t* a = &w[i + 1];
    if (op == OpMemberName && n >= 4)
      member_name[a[0]][a[1]] = std::string(reinterpret_cast<const char*>(a + 2), strnlen(reinterpret_cast<const char*>(a + 2), (n - 3) * 4));
    if ((op == OpTypeInt || op == OpTypeFloat) && n >= 3) scalar_bytes[a[0]] = a[1] / 8;
    if (op == OpTypeStruct) struct_members[a[0]].assign(a + 1, a + n - 1);
    if (op == OpTypePointer && n >= 4) {
      pointer_class[a[0]] = a[1];
      pointee[a[0]] = a[2];
    }
    if (op == OpVariable && n >= 4) {
      var_type[a[1]] = a[0];
      if (a[2] == ScPushConstant) push_var = a[1];
    }
    if (op == OpDecorate && n >= 4) {
      if (a[1] == DecSpecId) m.spec_ids.insert(a[2]);
      if (a[1] == DecBinding) binding[a[0]] = a[2];
      if (a[1] == DecDescriptorSet) set[a[0]] = a[2];
    }
    if (op == OpMemberDecorate && n >= 5 && a[2] == DecOffset) member_offset[a[0]][a[1]] = a[3];
    i += n;
  }
  for (const auto& b : binding)
    if (set.count(b.first) && set[b.first] == 0) m.bindings.insert(b.second);
  if (!push_var) return m;  // no push constants
  const uint32_t block = pointee[var_type[push_var]];
  for (size_t k = 0; k < struct_members[block].size(); ++k) {
    const uint32_t t = struct_members[block][k];
    uint32_t bytes = 0;
    if (scalar_bytes.count(t)) bytes = scalar_bytes[t];
    else if (pointer_class.count(t) && pointer_class[t] == ScPhysicalStorageBuffer) bytes = 8;
    if (!bytes || !member_offset[block].count(uint32_t(k))) {
      m.error = "push-constant member " + std::to_string(k) + " is not a 32-bit scalar or a pointer";
      return m;
    }
    m.push_offsets.push_back(member_offset[block][uint32_t(k)]);
    m.push_sizes.push_back(bytes);
    m.push_names.push_back(member_name[block][uint32_t(k)]);
  }
  return m;
}

std::string describe(const std::vector<std::string>& names, const std::vector<uint32_t>& offsets,
                     const std::vector<uint32_t>& sizes) {
  std::string s;
  for (size_t i = 0; i < offsets.size(); ++i)
    s += (i ? " " : "") + names[i] + "@" + std::to_string(offsets[i]) + ":" + std::to_string(sizes[i]);
  return s.empty() ? "(none)" : s;
}

std::string list(const std::set<uint32_t>& v) {
  std::string s;
  for (uint32_t x : v) s += (s.empty() ? "" : " ") + std::to_string(x);
  return s.empty() ? "(none)" : s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (std::strcmp(argv[2], "desc") && std::strcmp(argv[2], "addr"))) {
    std::fprintf(stderr, "usage: vknorm_contract_check <kernel> <desc|addr> <module.spv>\n");
    return 2;
  }
  const std::string kernel = argv[1], path = argv[3];
  const bool address_mode = std::strcmp(argv[2], "addr") == 0;
  const Entry* e = find_contract(kernel);
  const KernelContract* c = e ? e->contract : nullptr;
  std::string error;
  Module m;
  std::vector<uint32_t> words;
  if (!c) {
    error = "no contract: shaders/contracts/" + kernel + ".h";
  } else {
    std::ifstream f(path, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    words.resize(bytes.size() / 4);
    if (!bytes.empty()) std::memcpy(words.data(), bytes.data(), words.size() * 4);
    m = parse(words);
    error = m.error;
  }
  if (error.empty()) {
    // The block the host writes (core/record.cpp push_words): a pointer per binding or an
    // offset per binding that has one, then the fields.
    std::vector<uint32_t> offsets, sizes;
    std::vector<std::string> names;
    const std::vector<std::string> bnames = words_of(e->binding_names), fnames = words_of(e->field_names);
    for (uint32_t i = 0; i < c->bindings && i < bnames.size(); ++i) {
      if (!address_mode && !(c->offset_mask >> i & 1u)) continue;
      const uint32_t bytes = address_mode ? 8 : 4;
      offsets.push_back(offsets.empty() ? 0 : offsets.back() + sizes.back());
      sizes.push_back(bytes);
      names.push_back(address_mode ? bnames[i] : bnames[i] + "_off");
    }
    for (uint32_t i = 0; i < c->field_bytes / 4 && i < fnames.size(); ++i) {
      offsets.push_back(c->fields_offset(address_mode) + 4 * i);
      sizes.push_back(4);
      names.push_back(fnames[i]);
    }
    std::set<uint32_t> bindings, spec_ids;
    for (uint32_t i = 0; !address_mode && i < c->bindings; ++i) bindings.insert(i);
    for (uint32_t i = 0; i < c->spec_count; ++i) spec_ids.insert(i);
    if (names != m.push_names || offsets != m.push_offsets || sizes != m.push_sizes)
      error = "push block (name@offset:bytes) is " + describe(m.push_names, m.push_offsets, m.push_sizes) +
              ", the contract gives " + describe(names, offsets, sizes) + " (" +
              std::to_string(c->push_bytes(address_mode)) + " bytes)";
    else if (bindings != m.bindings)
      error = "bindings are " + list(m.bindings) + ", the contract gives " + list(bindings);
    // A constant the kernel never reads may be optimized away; one the host does not set may not.
    else if (!std::includes(spec_ids.begin(), spec_ids.end(), m.spec_ids.begin(), m.spec_ids.end()))
      error = "specialization constant ids are " + list(m.spec_ids) + ", the contract gives " + list(spec_ids);
    else if (std::string why = vknorm::detail::reflect_spirv(words.data(), words.size()).error; !why.empty())
      error = "shared memory: " + why;
  }
  if (error.empty()) return 0;
  std::fprintf(stderr, "%s: does not match its contract (shaders/contracts/%s.h): %s\n", path.c_str(),
               kernel.c_str(), error.c_str());
  std::remove(path.c_str());
  return 1;
}
