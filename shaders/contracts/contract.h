// What a kernel contract (shaders/contracts/<kernel>.h) expands to, in GLSL and in C++. A
// contract lists, once, everything the host and the shader must agree on:
//   <K>_BINDINGS(TENSOR, SCRATCH)  storage buffers by binding: TENSOR(i, name) has an element
//                                   offset (descriptor mode), SCRATCH(i, name) has none (the
//                                   kernel indexes it with its own fields).
//   <K>_FIELDS(F)                   F(uint|float, name): push constants after the bindings.
//   <K>_FLAGS(B)                    B(NAME, bit): bits of the `flags` field, FLAG_<NAME>.
//   <K>_SPECS(S)                    S(id, NAME, default): specialization constants 1.. (0 is WG).
// and ends with VKNORM_KERNEL(<kernel>, <K>). Push block, in this order: one pointer per
// binding (address mode) or one <name>_off per TENSOR (descriptor mode), then the fields.
// cmake/shaders.cmake checks every compiled module against the C++ expansion (contract_check).
#ifndef VKNORM_CONTRACT_H
#define VKNORM_CONTRACT_H

#ifdef __cplusplus

#include "core/kernel_contract.h"

#define VKNORM_CXX_FIELD(type, name) type name;
#define VKNORM_CXX_FIELD_OFFSET(type, name) offsetof(Push, name),
#define VKNORM_CXX_FIELD_SIZE(type, name) sizeof(type),
#define VKNORM_CXX_SPEC(id, name, value) std::uint32_t name = value;
#define VKNORM_CXX_FLAG(name, bit) static constexpr std::uint32_t FLAG_##name = bit;
#define VKNORM_CXX_ID(id, ...) id,
#define VKNORM_CXX_FIELD_NAME(type, name) #name " "
#define VKNORM_CXX_BINDING_NAME(id, name) #name " "
#define VKNORM_CXX_OFFSET_BIT(id, name) | (1u << id)
#define VKNORM_CXX_NO_BIT(id, name)

// vknorm::kernels::<kernel>: Push (the fields), Spec (WG, then the constants by id), FLAG_*
// and `contract`, the layout the core builds push constants and pipelines from. The names are
// for the build-time check (tools/contract_check).
#define VKNORM_KERNEL(kernel, K)                                                                 \
  namespace vknorm::kernels {                                                                    \
  struct kernel {                                                                                \
    using uint = std::uint32_t;                                                                  \
    struct Push {                                                                                \
      K##_FIELDS(VKNORM_CXX_FIELD)                                                               \
    };                                                                                           \
    struct Spec {                                                                                \
      std::uint32_t WG = 256;                                                                    \
      K##_SPECS(VKNORM_CXX_SPEC)                                                                 \
    };                                                                                           \
    K##_FLAGS(VKNORM_CXX_FLAG)                                                                   \
    static constexpr std::size_t field_offsets[] = {K##_FIELDS(VKNORM_CXX_FIELD_OFFSET) 0};      \
    static constexpr std::size_t field_sizes[] = {K##_FIELDS(VKNORM_CXX_FIELD_SIZE) 4};          \
    static constexpr std::uint32_t binding_ids[] = {K##_BINDINGS(VKNORM_CXX_ID, VKNORM_CXX_ID) 0}; \
    static constexpr std::uint32_t spec_ids[] = {0, K##_SPECS(VKNORM_CXX_ID) 0};                 \
    static constexpr const char* binding_names =                                                 \
        "" K##_BINDINGS(VKNORM_CXX_BINDING_NAME, VKNORM_CXX_BINDING_NAME);                        \
    static constexpr const char* field_names = "" K##_FIELDS(VKNORM_CXX_FIELD_NAME);             \
    static constexpr ::vknorm::detail::KernelContract contract{                                  \
        #kernel, sizeof(binding_ids) / 4 - 1,                                                    \
        0u K##_BINDINGS(VKNORM_CXX_OFFSET_BIT, VKNORM_CXX_NO_BIT), sizeof(Push),                 \
        sizeof(Spec) / 4};                                                                       \
    static_assert(::vknorm::detail::packed_words(field_offsets, field_sizes),                    \
                  #kernel ": push fields must be 4-byte words at offsets 0, 4, 8, ...");         \
    static_assert(sizeof(Push) == 4 * (sizeof(field_sizes) / sizeof(std::size_t) - 1),           \
                  #kernel ": Push has padding");                                                 \
    static_assert(::vknorm::detail::consecutive(binding_ids), #kernel ": bindings must be 0, 1, 2, ..."); \
    static_assert(::vknorm::detail::consecutive(spec_ids), #kernel ": spec ids must be 1, 2, 3, ..."); \
    static_assert(sizeof(Spec) == 4 * (sizeof(spec_ids) / 4 - 1), #kernel ": Spec has padding"); \
    static_assert(contract.push_bytes(true) <= 128 && contract.push_bytes(false) <= 128,         \
                  #kernel ": more than 128 bytes of push constants (the minimum devices give)"); \
  };                                                                                             \
  }

#else  // GLSL, after common.glsl

#if BIND_ADDR
#define VKNORM_GLSL_PTR(id, name) DataRef name;
#define VKNORM_GLSL_OFF(id, name)
#else
#define VKNORM_GLSL_PTR(id, name)
#define VKNORM_GLSL_OFF(id, name) uint name##_off;
#endif
#define VKNORM_GLSL_NONE(id, name)
#define VKNORM_GLSL_BINDING(id, name) const int name##_binding = id;
#define VKNORM_GLSL_FIELD(type, name) type name;
#define VKNORM_GLSL_SPEC(id, name, value) layout(constant_id = id) const uint name = value;
#define VKNORM_GLSL_FLAG(name, bit) const uint FLAG_##name = uint(bit);

// Declares the specialization constants, FLAG_*, <name>_binding (for DECLARE_*) and the push
// block pc.
#define VKNORM_KERNEL(kernel, K)                                   \
  K##_SPECS(VKNORM_GLSL_SPEC)                                      \
  K##_FLAGS(VKNORM_GLSL_FLAG)                                      \
  K##_BINDINGS(VKNORM_GLSL_BINDING, VKNORM_GLSL_BINDING)           \
  layout(push_constant) uniform PushConstants {                    \
    K##_BINDINGS(VKNORM_GLSL_PTR, VKNORM_GLSL_PTR)                 \
    K##_BINDINGS(VKNORM_GLSL_OFF, VKNORM_GLSL_NONE)                \
    K##_FIELDS(VKNORM_GLSL_FIELD)                                  \
  } pc;

#endif
#endif
