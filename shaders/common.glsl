// Shared by every vknorm kernel. Compile-time variant axes (cmake/shaders.cmake):
//   DTYPE_F32 | DTYPE_F16 | DTYPE_BF16   storage type of tensors (arithmetic is always fp32)
//   BIND_DESC | BIND_ADDR                push-descriptor storage buffers or buffer device address
//   REDUCE_SG | REDUCE_SH                subgroup arithmetic or a shared-memory-only fallback
//   VIRTUAL_SG = 64 | 128 (with REDUCE_SG; testing builds, VKNORM_VIRTUAL_SUBGROUPS): the
//                                        subgroup operations run over virtual subgroups of
//                                        that many consecutive invocations, in shared memory
// Tunables are specialization constants; sizes and eps are push constants.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_KHR_shader_subgroup_basic : enable
#if REDUCE_SG && !VIRTUAL_SG
#extension GL_KHR_shader_subgroup_arithmetic : require
#extension GL_KHR_shader_subgroup_shuffle : require
#endif
#if BIND_ADDR
#extension GL_EXT_buffer_reference : require
#endif

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 256;  // invocations per workgroup (a power of two)

// ---- storage types: one element (DATA_T) and four elements (WIDE_T) ----
#if DTYPE_F32
#define DATA_T float
#define WIDE_T vec4
#define DATA_ALIGN 4
#define WIDE_ALIGN 16
#else
#define DATA_T uint16_t
#define WIDE_T uvec2
#define DATA_ALIGN 2
#define WIDE_ALIGN 8
#endif

float bf16_to_f(uint b) { return uintBitsToFloat(b << 16); }
uint f_to_bf16(float f) {
  uint u = floatBitsToUint(f);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (u >> 16) | 0x40u;  // NaN stays a quiet NaN
  return (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;                   // round to nearest even
}

// 16-bit elements travel as uint in arithmetic (16-bit storage alone allows the conversions;
// 16-bit arithmetic types would need shaderInt16).
float to_f(uint v) {
#if DTYPE_F16
  return unpackHalf2x16(v).x;
#else
  return bf16_to_f(v);
#endif
}

uint from_f(float f) {
#if DTYPE_F16
  return packHalf2x16(vec2(f, 0.0)) & 0xffffu;
#else
  return f_to_bf16(f);
#endif
}

// LD(name, i): element i of tensor `name` as float; ST(name, i, v) stores float v there.
#if DTYPE_F32
#define LD(name, i) AT(name, i)
#define ST(name, i, v) AT(name, i) = (v)
#else
#define LD(name, i) to_f(uint(AT(name, i)))
#define ST(name, i, v) AT(name, i) = uint16_t(from_f(v))
#endif

vec4 to_f4(WIDE_T v) {
#if DTYPE_F32
  return v;
#elif DTYPE_F16
  return vec4(unpackHalf2x16(v.x), unpackHalf2x16(v.y));
#else
  return vec4(bf16_to_f(v.x & 0xffffu), bf16_to_f(v.x >> 16), bf16_to_f(v.y & 0xffffu),
              bf16_to_f(v.y >> 16));
#endif
}

WIDE_T from_f4(vec4 f) {
#if DTYPE_F32
  return f;
#elif DTYPE_F16
  return uvec2(packHalf2x16(f.xy), packHalf2x16(f.zw));
#else
  return uvec2(f_to_bf16(f.x) | (f_to_bf16(f.y) << 16), f_to_bf16(f.z) | (f_to_bf16(f.w) << 16));
#endif
}

#if DTYPE_F16
// f to the nearest fp16 value (ties to even), as fp32. In the normal fp16 range with integer
// operations: the H200's compiler dropped an unpackHalf2x16(packHalf2x16(v)) round trip in
// registers (the fused adds normalized the unrounded sum while storing the rounded one:
// rstd off by 1e-4 in vknorm-check on the H200, exact on lavapipe). Zero, subnormals,
// overflow, Inf and NaN take the pack / unpack path.
float f16_round(float f) {
  const uint u = floatBitsToUint(f), a = u & 0x7fffffffu;
  if (a >= 0x38800000u && a < 0x477ff000u)  // [2^-14, 65520): normal fp16 after rounding
    return uintBitsToFloat((u + 0x00000fffu + ((u >> 13) & 1u)) & 0xffffe000u);
  return unpackHalf2x16(packHalf2x16(vec2(f, 0.0))).x;
}
#endif

// The storage dtype's value of v (a fused residual sum is rounded as the unfused code would
// store it).
vec4 round_storage(vec4 v) {
#if DTYPE_F32
  return v;
#elif DTYPE_F16
  return vec4(f16_round(v.x), f16_round(v.y), f16_round(v.z), f16_round(v.w));
#else
  return to_f4(from_f4(v));
#endif
}

// ---- binding model ----
// A kernel's contract (contracts/<kernel>.h, included after this file) numbers its bindings
// and declares the push block: a pointer per binding in address mode, <name>_off per tensor
// in descriptor mode. The kernel declares each binding's views with DECLARE_*(name, [type,]
// qualifiers), binding <name>_binding. Accessors: AT/WAT/FAT/V2AT/V4AT.
// In descriptor mode every tensor is a push-descriptor storage buffer at set 0; a tensor that
// is read four elements at a time also gets a WIDE_T alias on the same binding.
// `restrict` is part of the qualifiers a kernel passes, never implied: an output that the API
// lets alias an input exactly (in-place y = x) is declared without it.
#if BIND_DESC
#define DECLARE_TENSOR(name, T, q) \
  layout(set = 0, binding = name##_binding, std430) q buffer name##_block { T name##_v[]; };
#define DECLARE_WIDE(name, T, q) \
  layout(set = 0, binding = name##_binding, std430) q buffer name##_wblock { T name##_w[]; };
#define AT(name, i) name##_v[i]
#define WAT(name, i) name##_w[i]
#else
layout(buffer_reference, std430, buffer_reference_align = DATA_ALIGN) buffer DataRef { DATA_T v[]; };
layout(buffer_reference, std430, buffer_reference_align = WIDE_ALIGN) buffer WideRef { WIDE_T v[]; };
layout(buffer_reference, std430, buffer_reference_align = 4) buffer FloatRef { float v[]; };
layout(buffer_reference, std430, buffer_reference_align = 8) buffer Vec2Ref { vec2 v[]; };
layout(buffer_reference, std430, buffer_reference_align = 16) buffer Vec4Ref { vec4 v[]; };
#define AT(name, i) pc.name.v[i]
#define WAT(name, i) WideRef(pc.name).v[i]
#endif

// fp32 tensors (mean, rstd, scratch) independent of DTYPE.
#if BIND_DESC
#define DECLARE_F32(name, q) \
  layout(set = 0, binding = name##_binding, std430) q buffer name##_fblock { float name##_f[]; };
#define DECLARE_VEC2(name, q) \
  layout(set = 0, binding = name##_binding, std430) q buffer name##_v2block { vec2 name##_v2[]; };
#define DECLARE_VEC4(name, q) \
  layout(set = 0, binding = name##_binding, std430) q buffer name##_v4block { vec4 name##_v4[]; };
#define FAT(name, i) name##_f[i]
#define V2AT(name, i) name##_v2[i]
#define V4AT(name, i) name##_v4[i]
#else
#define DECLARE_F32(name, q)
#define DECLARE_VEC2(name, q)
#define DECLARE_VEC4(name, q)
#define FAT(name, i) FloatRef(pc.name).v[i]
#define V2AT(name, i) Vec2Ref(pc.name).v[i]
#define V4AT(name, i) Vec4Ref(pc.name).v[i]
#endif
// int32 tensors (qk_norm_rope's positions): DECLARE_I32(name, q), IAT(name, i).
#if BIND_DESC
#define DECLARE_I32(name, q) \
  layout(set = 0, binding = name##_binding, std430) q buffer name##_iblock { int name##_i[]; };
#define IAT(name, i) name##_i[i]
#else
layout(buffer_reference, std430, buffer_reference_align = 4) buffer IntRef { int v[]; };
#define DECLARE_I32(name, q)
#define IAT(name, i) IntRef(pc.name).v[i]
#endif
// OFF(name): element offset of tensor `name` inside its bound range (descriptor mode only;
// address mode folds it into the pointer).
#if BIND_DESC
#define OFF(name) pc.name##_off
#else
#define OFF(name) 0u
#endif

#if BIND_ADDR
#define DECLARE_TENSOR(name, T, q)
#define DECLARE_WIDE(name, T, q)
#endif

// ---- 16-byte accesses of 16-bit data: eight elements per uvec4 (row kernels, VEC = 8) ----
// DECLARE_WIDE8(name, qualifiers) adds a uvec4 view of a 16-bit tensor; W8AT(name, i)
// is its i-th group of 8 elements (element index 8 i, 16-byte aligned). LOAD8 / STORE8 convert
// a group to / from two vec4. fp32 tensors never use them (16 bytes are a vec4: WIDE_T).
#if BIND_DESC
#define DECLARE_WIDE8(name, q) \
  layout(set = 0, binding = name##_binding, std430) q buffer name##_w8block { uvec4 name##_w8[]; };
#define W8AT(name, i) name##_w8[i]
#else
layout(buffer_reference, std430, buffer_reference_align = 16) buffer Wide8Ref { uvec4 v[]; };
#define DECLARE_WIDE8(name, q)
#define W8AT(name, i) Wide8Ref(pc.name).v[i]
#endif
#if DTYPE_F32
#define LOAD8(name, i, lo, hi)
#define STORE8(name, i, lo, hi)
#else
#define LOAD8(name, i, lo, hi) \
  { uvec4 u8_ = W8AT(name, i); lo = to_f4(u8_.xy); hi = to_f4(u8_.zw); }
#define STORE8(name, i, lo, hi) W8AT(name, i) = uvec4(from_f4(lo), from_f4(hi))
#endif

// One chunk of VEC elements at element index i (a multiple of VEC) as two vec4 (lo, hi);
// unused components are 0 (VEC 1: lo.x only; VEC 4: lo only). For kernels whose contract has
// a VEC spec constant and declares the tensor with DECLARE_TENSOR / DECLARE_WIDE / DECLARE_WIDE8.
#define LOAD_CHUNK(name, i, lo, hi)        \
  {                                        \
    lo = vec4(0.0);                        \
    hi = vec4(0.0);                        \
    if (VEC == 8) {                        \
      LOAD8(name, (i) >> 3, lo, hi);       \
    } else if (VEC == 4) {                 \
      lo = to_f4(WAT(name, (i) >> 2));     \
    } else {                               \
      lo.x = LD(name, i);                  \
    }                                      \
  }
#define STORE_CHUNK(name, i, lo, hi)       \
  {                                        \
    if (VEC == 8) {                        \
      STORE8(name, (i) >> 3, lo, hi);      \
    } else if (VEC == 4) {                 \
      WAT(name, (i) >> 2) = from_f4(lo);   \
    } else {                               \
      ST(name, i, lo.x);                   \
    }                                      \
  }

// ---- fp32 tensors beside 16-bit data (mixed precision) ----
// A tensor that may be stored in fp32 while x is 16-bit (weight / bias: PARAM_F32; the residual
// stream: RES_F32; specialization constants of the kernels that have them) gets its
// storage-dtype views as usual plus DECLARE_ALT_F32(name, qualifiers) (fp32 views on the same
// binding), and is accessed through XLD / XLD4 / XLOAD_CHUNK / XSTORE_CHUNK with the constant
// as first argument: the constant folds the other branch away. Indices are in elements.
#define DECLARE_ALT_F32(name, q) DECLARE_F32(name, q) DECLARE_VEC4(name, q)
#define XLD(F32, name, i) (F32 != 0u ? FAT(name, i) : LD(name, i))
#define XLD4(F32, name, i4) (F32 != 0u ? V4AT(name, i4) : to_f4(WAT(name, i4)))
#define XST(F32, name, i, v)       \
  {                                \
    if (F32 != 0u) {               \
      FAT(name, i) = (v);          \
    } else {                       \
      ST(name, i, v);              \
    }                              \
  }
#define XLOAD_CHUNK(F32, name, i, lo, hi)      \
  {                                            \
    if (F32 != 0u) {                           \
      lo = vec4(0.0);                          \
      hi = vec4(0.0);                          \
      if (VEC == 8) {                          \
        lo = V4AT(name, (i) >> 2);             \
        hi = V4AT(name, ((i) >> 2) + 1u);      \
      } else if (VEC == 4) {                   \
        lo = V4AT(name, (i) >> 2);             \
      } else {                                 \
        lo.x = FAT(name, i);                   \
      }                                        \
    } else {                                   \
      LOAD_CHUNK(name, i, lo, hi);             \
    }                                          \
  }
#define XSTORE_CHUNK(F32, name, i, lo, hi)     \
  {                                            \
    if (F32 != 0u) {                           \
      if (VEC == 8) {                          \
        V4AT(name, (i) >> 2) = lo;             \
        V4AT(name, ((i) >> 2) + 1u) = hi;      \
      } else if (VEC == 4) {                   \
        V4AT(name, (i) >> 2) = lo;             \
      } else {                                 \
        FAT(name, i) = lo.x;                   \
      }                                        \
    } else {                                   \
      STORE_CHUNK(name, i, lo, hi);            \
    }                                          \
  }
// Affine parameters (PARAM_F32), read-only.
#define DECLARE_PARAM_F32(name) DECLARE_ALT_F32(name, readonly restrict)
#define PLD(name, i) XLD(PARAM_F32, name, i)
#define PLD4(name, i4) XLD4(PARAM_F32, name, i4)
#define PLOAD8(name, i8, lo, hi)                 \
  {                                              \
    if (PARAM_F32 != 0u) {                       \
      lo = V4AT(name, 2u * (i8));                \
      hi = V4AT(name, 2u * (i8) + 1u);           \
    } else {                                     \
      LOAD8(name, i8, lo, hi);                   \
    }                                            \
  }
#define PLOAD_CHUNK(name, i, lo, hi) XLOAD_CHUNK(PARAM_F32, name, i, lo, hi)

// ---- subgroup operations: the device's, or virtual subgroups (VIRTUAL_SG) ----
// The reductions below use only these. A virtual subgroup is VIRTUAL_SG consecutive local
// invocations (a workgroup smaller than that has one, partly filled, as a wave64 device runs
// a 32-invocation workgroup); its operations exchange values in shared memory, so they must
// be called in uniform control flow, as every caller here is.
#if REDUCE_SG
#if VIRTUAL_SG
shared vec2 vsg_x[WG];
#define SG_SIZE uint(VIRTUAL_SG)
#define SG_ID (gl_LocalInvocationIndex / uint(VIRTUAL_SG))
#define SG_LANE (gl_LocalInvocationIndex % uint(VIRTUAL_SG))
#define SG_COUNT ((WG + uint(VIRTUAL_SG) - 1u) / uint(VIRTUAL_SG))
#define SG_ELECT() (SG_LANE == 0u)
// (sum of .x, sum or max of .y) over this invocation's virtual subgroup, lanes in order: the
// first lane adds them up for all (VIRTUAL_SG loads per subgroup, not per invocation).
vec2 vsg_reduce(vec2 v, bool max_y) {
  const uint lid = gl_LocalInvocationIndex, first = SG_ID * uint(VIRTUAL_SG);
  barrier();  // vsg_x may still be read by the previous operation
  vsg_x[lid] = v;
  barrier();
  if (lid == first) {
    vec2 t = v;
    for (uint j = first + 1u; j < min(first + uint(VIRTUAL_SG), WG); ++j)
      t = vec2(t.x + vsg_x[j].x, max_y ? max(t.y, vsg_x[j].y) : t.y + vsg_x[j].y);
    vsg_x[first] = t;
  }
  barrier();
  return vsg_x[first];
}
vec2 sg_add2(vec2 v) { return vsg_reduce(v, false); }
vec2 sg_sum_max(vec2 v) { return vsg_reduce(v, true); }
vec2 sg_shuffle_xor2(vec2 v, uint mask) {
  const uint lid = gl_LocalInvocationIndex;
  barrier();
  vsg_x[lid] = v;
  barrier();
  return vsg_x[min(lid ^ mask, WG - 1u)];  // mask < VIRTUAL_SG: the same virtual subgroup
}
#else
#define SG_SIZE gl_SubgroupSize
#define SG_ID gl_SubgroupID
#define SG_LANE gl_SubgroupInvocationID
#define SG_COUNT gl_NumSubgroups
#define SG_ELECT() subgroupElect()
vec2 sg_add2(vec2 v) { return subgroupAdd(v); }
vec2 sg_sum_max(vec2 v) { return vec2(subgroupAdd(v.x), subgroupMax(v.y)); }
vec2 sg_shuffle_xor2(vec2 v, uint mask) { return subgroupShuffleXor(v, mask); }
#endif
#endif

// ---- workgroup reductions (must be called in uniform control flow) ----
shared vec2 red_shared[WG];

#if REDUCE_SG
vec2 wg_sum2(vec2 v) {
  v = sg_add2(v);
  if (SG_COUNT == 1u) return v;
  barrier();  // red_shared may still be read by the previous reduction
  if (SG_ELECT()) red_shared[SG_ID] = v;
  barrier();
  // Every invocation adds the per-subgroup sums in the same order. Not strided by
  // gl_SubgroupSize: lavapipe at LP_NATIVE_VECTOR_WIDTH 1024/2048 reports 32/64 there while
  // running 16 lanes, which dropped partial sums.
  vec2 t = vec2(0.0);
  for (uint j = 0; j < SG_COUNT; ++j) t += red_shared[j];
  return t;
}
#else
// Tree in shared memory; WG is a power of two (the runtime guarantees it).
vec2 wg_sum2(vec2 v) {
  uint lid = gl_LocalInvocationIndex;
  barrier();
  red_shared[lid] = v;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (lid < s) red_shared[lid] += red_shared[lid + s];
    barrier();
  }
  return red_shared[0];
}
#endif

float wg_sum(float v) { return wg_sum2(vec2(v, 0.0)).x; }

// (sum of v.x, max of v.y) over the workgroup: one reduction for a sum and a maximum (int8
// outputs need max |y| beside the sum of squares).
vec2 sum_max(vec2 a, vec2 b) { return vec2(a.x + b.x, max(a.y, b.y)); }
#if REDUCE_SG
vec2 wg_sum_max(vec2 v) {
  v = sg_sum_max(v);
  if (SG_COUNT == 1u) return v;
  barrier();  // red_shared may still be read by the previous reduction
  if (SG_ELECT()) red_shared[SG_ID] = v;
  barrier();
  vec2 t = vec2(0.0, 0.0);  // v.y >= 0 (a max of absolute values)
  for (uint j = 0; j < SG_COUNT; ++j) t = sum_max(t, red_shared[j]);
  return t;
}
#else
vec2 wg_sum_max(vec2 v) {
  uint lid = gl_LocalInvocationIndex;
  barrier();
  red_shared[lid] = v;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (lid < s) red_shared[lid] = sum_max(red_shared[lid], red_shared[lid + s]);
    barrier();
  }
  return red_shared[0];
}
#endif

// Corrected two-pass variance (Chan, Golub, LeVeque): mean(d^2) - mean(d)^2 with d = x - m for
// an approximate mean m. Clamped at 0 against rounding; NaN stays NaN.
float corrected_variance(float mean_d2, float mean_d) {
  float v = mean_d2 - mean_d * mean_d;
  return v < 0.0 ? 0.0 : v;
}

// (x - shift) - m in that order: x centred on a mean kept as shift + m (the statistics of the
// split and channels-last kernels), exact where x is near the shift. precise (SPIR-V
// NoContraction) forbids regrouping it as x - (shift + m), which a compiler hoisting shift + m
// out of a loop does (NVIDIA's did in the channels-last GroupNorm): shift + m then rounds to
// fp32 at the data's magnitude, half an ulp of 1e4 being 0.08 sigma of the large_mean data.
float centered(float x, float shift, float m) {
  precise float d = (x - shift) - m;
  return d;
}
vec4 centered(vec4 x, float shift, float m) {
  precise vec4 d = (x - shift) - m;
  return d;
}

// Chan/Welford merge of (count, mean, M2) statistics with integer counts.
void chan_merge(inout uint n, inout float mean, inout float m2, uint nb, float meanb, float m2b) {
  if (nb == 0) return;
  uint nn = n + nb;
  float delta = meanb - mean;
  float fb = float(nb) / float(nn);
  mean += delta * fb;
  m2 += m2b + delta * delta * float(n) * fb;
  n = nn;
}
