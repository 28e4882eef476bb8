// The SPIR-V modules compiled from shaders/ at build time (see cmake/shaders.cmake).
#pragma once

#include <cstddef>
#include <cstdint>

namespace vknorm::detail {

struct EmbeddedSpirv {
  const char* name;  // "<kernel>.<f32|f16|bf16>.<desc|addr>[.<sg|sh>]" (no suffix: no reductions)
  const uint32_t* words;
  size_t word_count;
};

const EmbeddedSpirv* embedded_spirv_table(size_t* count);
const EmbeddedSpirv* find_embedded_spirv(const char* name);  // nullptr if absent

}  // namespace vknorm::detail
