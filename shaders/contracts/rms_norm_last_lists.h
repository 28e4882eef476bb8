// Contract lists of rms_norm_last.comp and rms_norm_last_q8.comp: one kernel body
// (rms_norm_last.glsl), two modules (an 8-bit y needs StorageBuffer8BitAccess). Expansions:
// contract.h; the kernels are declared by contracts/rms_norm_last{,_q8}.h.
#ifndef VKNORM_CONTRACT_RMS_NORM_LAST_LISTS
#define VKNORM_CONTRACT_RMS_NORM_LAST_LISTS
#include "contract.h"

#define RMS_NORM_LAST_BINDINGS(TENSOR, SCRATCH) \
  TENSOR(0, x) TENSOR(1, res) TENSOR(2, ro) TENSOR(3, y) TENSOR(4, w) TENSOR(5, rstd) TENSOR(6, scale) \
  TENSOR(7, ab)
#define RMS_NORM_LAST_FIELDS(F)               \
  F(uint, D)                                  /* row length */ \
  F(uint, rows) F(uint, inner)                /* rows of this dispatch = outer x inner */ \
  F(uint, x_so) F(uint, x_si)                 /* row strides over the outer / inner index */ \
  F(uint, res_so) F(uint, res_si)             \
  F(uint, ro_so) F(uint, ro_si)               \
  F(uint, y_so) F(uint, y_si)                 \
  F(uint, flags)                              /* FLAG_*: which optional tensors the call has */ \
  F(float, eps)                               \
  F(float, weight_offset)                     \
  F(float, static_scale)                      /* int8 y without FLAG_DYNAMIC_SCALE */ \
  F(uint, scale_group)                        /* dynamic scale per this many elements (0: per row) */
// Push flags, not specialization constants: optional tensors do not multiply pipelines
// (prepare() knows only the shape).
#define RMS_NORM_LAST_FLAGS(B) \
  B(WEIGHT, 1) B(RESIDUAL, 2) B(WRITE_RESIDUAL, 4) B(WRITE_RSTD, 8) B(DYNAMIC_SCALE, 16)
#define RMS_NORM_LAST_SPECS(S) \
  S(1, ITEMS, 16)              /* register-resident elements per lane (multiple of VEC) */ \
  S(2, VEC, 1)                 /* elements per access: 1, 4, or 8 (16-bit only) */ \
  S(3, LPR, 256)               /* lanes per row: a power of two dividing WG */ \
  S(4, SEG_SG, 0)              /* rows on subgroup lanes (set by the core: segments.glsl) */ \
  S(5, ADD_BIAS, 0)            /* 1 (with FLAG_RESIDUAL): h = x + residual + ab (ONNX's skip bias); \
                                  a constant: the code a push flag kept cost the H200 5-16% */ \
  S(6, QFMT, 0)                /* rms_norm_last_q8: y's codes, 0 int8, 1 float8 e4m3fn, 2 float8 e5m2 */ \
  S(7, PARAM_F32, 0)           /* 1: weight is fp32 beside 16-bit x */ \
  S(8, RES_F32, 0)             /* 1: residual / residual_out are fp32 beside 16-bit x */ \
  S(9, GSLOTS, 1)              /* per-group scales: rows per workgroup x groups per row (shared words) */
#endif
