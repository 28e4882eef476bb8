// Contract of shaders/ada_norm_row_q8.comp (ada_norm with an 8-bit y) with its host code
// (expansions: contract.h). ada_norm_row's lists plus the per-row scale output (binding
// `scale`: y_scale, not the modulation `sc`), the static scale and QFMT. Ten 8-byte addresses
// leave 48 bytes of the 128-byte push block: D and the flags share a word (D < 2^20: ada_norm
// rows hold at most 1024 x 256 elements) and the three modulation tensors one row stride (the
// host refuses differing strides with more than one modulation row). ZGATE is never set here.
#ifndef VKNORM_CONTRACT_ADA_NORM_ROW_Q8
#define VKNORM_CONTRACT_ADA_NORM_ROW_Q8
#include "ada_norm_row_lists.h"

#define ADA_NORM_ROW_Q8_BINDINGS(TENSOR, SCRATCH) ADA_NORM_ROW_BINDINGS(TENSOR, SCRATCH) TENSOR(9, scale)
#define ADA_NORM_ROW_Q8_FIELDS(F) \
  F(uint, d_flags)                   /* row length D | flags << 20 */ \
  F(uint, x_rs) F(uint, y_rs)        /* row strides (elements) */ \
  F(uint, rows)                      /* rows of this dispatch */ \
  F(float, eps)                      \
  F(uint, res_rs) F(uint, ro_rs)     /* residual / residual_out row strides */ \
  F(uint, m_rs)                      /* the modulation tensors' row stride */ \
  F(uint, mdiv)                      /* rows of x per modulation row */ \
  F(uint, row0)                      /* this dispatch's first row among all rows */ \
  F(float, scale_offset)             /* y *= scale_offset + scale */ \
  F(float, static_scale)             /* the codes' scale without FLAG_DYNAMIC_SCALE */
// Bits of d_flags >> 20 (ada_norm_row's, and the dynamic scale).
#define ADA_NORM_ROW_Q8_FLAGS(B) ADA_NORM_ROW_FLAGS(B) B(DYNAMIC_SCALE, 32)
#define ADA_NORM_ROW_Q8_SPECS(S) \
  ADA_NORM_ROW_SPECS(S) \
  S(10, QFMT, 0)                /* y's codes: 0 int8, 1 float8 e4m3fn, 2 float8 e5m2 */

VKNORM_KERNEL(ada_norm_row_q8, ADA_NORM_ROW_Q8)
#endif
