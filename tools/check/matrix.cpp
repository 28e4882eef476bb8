#include "tools/check/matrix.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <random>
#include <sstream>

namespace vknorm_check {

using vknorm::DType;
using vknorm_support::DataKind;
using vknorm_support::OpCase;
using vknorm_support::find_op_case;

const char* matrix_size_name(MatrixSize m) {
  switch (m) {
    case MatrixSize::quick: return "quick";
    case MatrixSize::standard: return "default";
    case MatrixSize::full: return "full";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Text forms

std::string format_number(double v) {
  if (v == 0) return "0";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

namespace {

// Single-quoted for a POSIX shell ("it's" -> 'it'\''s').
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char ch : s) {
    if (ch == '\'') q += "'\\''";
    else q += ch;
  }
  return q + "'";
}

}  // namespace

std::string repro_command(const CheckCase& c, bool force_shared_reduction, const std::string& limits,
                          uint32_t virtual_subgroup) {
  const auto& s = c.spec;
  std::string cmd = "vknorm-check --case ";
  cmd += s.op->name();
  cmd += " --shape " + vknorm_support::shape_string(s.shape);
  cmd += " --dtype ";
  cmd += vknorm::dtype_name(s.dtype);
  if (s.op->uses_normalized_rank()) cmd += " --normalized-rank " + std::to_string(s.normalized_rank);
  if (s.groups) cmd += " --groups " + std::to_string(s.groups);
  if (s.activation != vknorm::Activation::none) cmd += std::string(" --activation ") + vknorm_support::activation_name(s.activation);
  if (s.add_bias) cmd += " --add-bias";
  if (s.f32_params) cmd += " --f32-params";
  if (s.f32_residual) cmd += " --f32-residual";
  cmd += " --eps " + format_number(s.eps);
  cmd += " --seed " + std::to_string(s.seed);
  cmd += " --data ";
  cmd += vknorm_support::data_kind_name(s.data);
  if (c.layout != Layout::buffer) {
    cmd += " --layout ";
    cmd += layout_name(c.layout);
  }
  if (!s.affine) cmd += " --no-affine";
  if (!s.optional_outputs) cmd += " --no-optional-outputs";
  if (c.has_config) cmd += " --config " + shell_quote(vknorm::to_string(c.config));
  if (force_shared_reduction) cmd += " --force-shared-reduction";
  if (!limits.empty()) cmd += " --limits " + limits;
  if (virtual_subgroup) cmd += " --virtual-subgroup " + std::to_string(virtual_subgroup);
  return cmd;
}

// ---------------------------------------------------------------------------------------------
// The conformance matrix

namespace {

const DType kDTypes[] = {DType::f32, DType::f16, DType::bf16};
const DataKind kDataKinds[] = {DataKind::normal, DataKind::uniform01, DataKind::large_mean,
                               DataKind::nan_inf, DataKind::outlier_first};
const double kEps[] = {0.0, 1e-5, 10.0};

// tier 0: quick; 1, 2: default; 3: full only.
// Keyed by op-case name; build_matrix fails loudly on a name that is not registered.
struct ShapeEntry {
  const char* op;
  std::vector<int64_t> shape;
  int normalized_rank;
  int tier;
  const char* why;
  int64_t groups = 0;  // group_norm: num_groups (0: the op case's default)
  vknorm::Activation activation = vknorm::Activation::none;  // group_norm: after the affine
  bool add_bias = false;  // add_layer_norm / add_rms_norm*: the skip bias of ONNX
};
constexpr vknorm::Activation kNoAct = vknorm::Activation::none;

// clang-format off
const ShapeEntry kShapes[] = {
  // rms_norm: (N, C, spatial...): C = 1, 3, 64, 1000; spatial sizes 1, 7, 33, 257.
  {"rms_norm", {4, 1, 7}, 1, 0, "C=1"},
  {"rms_norm", {2, 3, 33}, 1, 0, "C=3, S=33"},
  {"rms_norm", {2, 64, 257}, 1, 0, "C=64, S=257"},
  {"rms_norm", {1, 1000, 7}, 1, 0, "C=1000, S=7"},
  {"rms_norm", {2, 3, 7, 33}, 1, 0, "rank 4: spatial dims collapse"},
  {"rms_norm", {3, 3, 1}, 1, 1, "S=1"},
  {"rms_norm", {5, 64}, 1, 1, "rank 2 (no spatial dims)"},
  {"rms_norm", {2, 1, 257}, 1, 1, "C=1, S=257"},
  {"rms_norm", {1, 1000, 257}, 1, 1, "C=1000, S=257 (257k elements)"},
  {"rms_norm", {1, 1, 1}, 1, 2, "single element"},
  {"rms_norm", {3, 1000, 33}, 1, 2, "C=1000, S=33"},
  {"rms_norm", {2, 64, 4, 8, 9}, 1, 2, "rank 5"},
  {"rms_norm", {16, 3, 257}, 1, 2, "many batches"},
  {"rms_norm", {1, 1000, 1025}, 1, 3, "1M elements"},
  {"rms_norm", {4, 1000, 1025}, 1, 3, "4M elements"},
  {"rms_norm", {2, 3, 257, 257}, 1, 3, "rank 4, 400k elements"},
  {"rms_norm", {257, 64, 33}, 1, 3, "257 batches"},
  // layer_norm: rows x D with D = 1, 33, 1025, 65535, longer than a workgroup, split rows.
  {"layer_norm", {7, 1}, 1, 0, "D=1"},
  {"layer_norm", {5, 33}, 1, 0, "D=33"},
  {"layer_norm", {3, 1025}, 1, 0, "D=1025"},
  {"layer_norm", {3, 65535}, 1, 0, "D=65535"},
  {"layer_norm", {4, 3, 5, 7}, 3, 0, "normalized_rank 3"},
  {"layer_norm", {2, 131072}, 1, 0, "few long rows (split across workgroups)"},
  {"layer_norm", {1, 1}, 1, 1, "single element"},
  {"layer_norm", {33}, 1, 1, "rank 1 (one row)"},
  {"layer_norm", {6, 33, 17}, 2, 1, "normalized_rank 2"},
  {"layer_norm", {64, 4097}, 1, 1, "rows longer than a workgroup"},
  {"layer_norm", {1025, 33}, 1, 1, "many short rows"},
  {"layer_norm", {1, 524288}, 1, 1, "one long row (split)"},
  {"layer_norm", {2, 3, 4, 1025}, 2, 2, "rank 4, normalized_rank 2"},
  {"layer_norm", {1025, 1025}, 1, 3, "1M elements"},
  {"layer_norm", {1, 1048575}, 1, 3, "odd 1M row (split)"},
  {"layer_norm", {3, 65537}, 1, 2, "D=65537"},
  {"layer_norm", {4, 1048576}, 1, 3, "4M elements, long rows (split)"},
  {"layer_norm", {16384, 257}, 1, 3, "16384 rows"},
  {"layer_norm", {3, 7, 33, 257}, 3, 3, "normalized_rank 3, D=59367"},
  // layer_norm_backward: the same row lengths; many rows for the dweight / dbias reduction.
  {"layer_norm_backward", {7, 1}, 1, 0, "D=1"},
  {"layer_norm_backward", {5, 33}, 1, 0, "D=33"},
  {"layer_norm_backward", {3, 1025}, 1, 0, "D=1025"},
  {"layer_norm_backward", {3, 65535}, 1, 0, "D=65535"},
  {"layer_norm_backward", {4, 3, 5, 7}, 3, 0, "normalized_rank 3"},
  {"layer_norm_backward", {1025, 33}, 1, 0, "many rows (dweight reduction)"},
  {"layer_norm_backward", {131073, 1}, 1, 0, "2^17+1 rows (long dweight reduction)"},
  {"layer_norm_backward", {33}, 1, 1, "rank 1 (one row)"},
  {"layer_norm_backward", {140000, 7}, 1, 1, "140000 rows"},
  {"layer_norm_backward", {6, 33, 17}, 2, 1, "normalized_rank 2"},
  {"layer_norm_backward", {64, 4097}, 1, 1, "rows longer than a workgroup"},
  {"layer_norm_backward", {2, 131072}, 1, 1, "few long rows"},
  {"layer_norm_backward", {4096, 7}, 1, 1, "4096 rows of 7"},
  {"layer_norm_backward", {1, 1}, 1, 2, "single element"},
  {"layer_norm_backward", {65535, 3}, 1, 2, "65535 rows"},
  {"layer_norm_backward", {1025, 1025}, 1, 3, "1M elements"},
  {"layer_norm_backward", {1, 524288}, 1, 2, "one long row"},
  {"layer_norm_backward", {65535, 33}, 1, 3, "65535 rows of 33"},
  {"layer_norm_backward", {4, 1048576}, 1, 3, "4M elements, long rows"},
  {"layer_norm_backward", {3, 7, 33, 257}, 3, 3, "normalized_rank 3, D=59367"},
  // rms_norm_backward: rows in registers (single pass) up to ~16K elements, split rows past
  // that; many rows for the dweight reduction (one-wave row blocks + the column pass).
  {"rms_norm_backward", {7, 1}, 1, 0, "D=1"},
  {"rms_norm_backward", {5, 33}, 1, 0, "D=33"},
  {"rms_norm_backward", {3, 4097}, 1, 0, "D=4097"},
  {"rms_norm_backward", {3, 65535}, 1, 1, "D=65535 (split rows)"},
  {"rms_norm_backward", {4, 3, 5, 7}, 3, 1, "normalized_rank 3"},
  {"rms_norm_backward", {3000, 64}, 1, 0, "many rows (dweight reduction)"},
  {"rms_norm_backward", {33}, 1, 3, "rank 1 (one row)"},
  {"rms_norm_backward", {6, 33, 17}, 2, 3, "normalized_rank 2"},
  {"rms_norm_backward", {64, 8192}, 1, 3, "rows of 8192"},
  {"rms_norm_backward", {2, 131072}, 1, 3, "few long rows"},
  {"rms_norm_backward", {140000, 7}, 1, 3, "140000 rows"},
  {"rms_norm_backward", {1, 1}, 1, 3, "single element"},
  {"rms_norm_backward", {16, 16384}, 1, 3, "rows of 16384 (largest single pass)"},
  {"rms_norm_backward", {65535, 33}, 1, 3, "65535 rows of 33"},
  {"rms_norm_backward", {1025, 1025}, 1, 3, "1M elements"},
  {"rms_norm_backward", {1, 524288}, 1, 3, "one long row"},
  // rms_norm_last and its fused-add / int8 forms: D = 1, 33, 4097, 65535 (longer than a
  // workgroup's registers: streamed), one row, per-head views, many rows. The default matrix
  // keeps the row lengths that change the code path; the rest run in --full (CI time).
  {"rms_norm_last", {7, 1}, 1, 0, "D=1"},
  {"rms_norm_last", {5, 33}, 1, 0, "D=33"},
  {"rms_norm_last", {3, 4097}, 1, 0, "D=4097"},
  {"rms_norm_last", {2, 65535}, 1, 1, "D=65535 (streamed)"},
  {"rms_norm_last", {4096}, 1, 3, "rank 1 (decode: one row)"},
  {"rms_norm_last", {9, 4, 64}, 1, 1, "(tokens, heads, head_dim)"},
  {"rms_norm_last", {3, 5, 128}, 2, 3, "normalized_rank 2"},
  {"rms_norm_last", {1025, 257}, 1, 3, "many rows"},
  {"rms_norm_last", {64, 8192}, 1, 3, "LLM hidden size"},
  {"rms_norm_last_q8", {7, 1}, 1, 3, "D=1"},
  {"rms_norm_last_q8", {5, 33}, 1, 0, "D=33"},
  {"rms_norm_last_q8", {3, 4097}, 1, 0, "D=4097"},
  {"rms_norm_last_q8", {2, 65535}, 1, 3, "D=65535 (streamed)"},
  {"rms_norm_last_q8", {4096}, 1, 3, "rank 1 (decode: one row)"},
  {"rms_norm_last_q8", {9, 4, 64}, 1, 3, "(tokens, heads, head_dim)"},
  {"rms_norm_last_q8", {3, 5, 128}, 2, 3, "normalized_rank 2"},
  {"rms_norm_last_q8", {1025, 257}, 1, 3, "many rows"},
  {"rms_norm_last_q8", {64, 8192}, 1, 3, "LLM hidden size"},
  {"add_rms_norm", {7, 1}, 1, 3, "D=1"},
  {"add_rms_norm", {5, 33}, 1, 0, "D=33"},
  {"add_rms_norm", {3, 4097}, 1, 0, "D=4097"},
  {"add_rms_norm", {2, 65535}, 1, 1, "D=65535 (streamed)"},
  {"add_rms_norm", {4096}, 1, 3, "rank 1 (decode: one row)"},
  {"add_rms_norm", {9, 4, 64}, 1, 3, "(tokens, heads, head_dim)"},
  {"add_rms_norm", {3, 5, 128}, 2, 3, "normalized_rank 2"},
  {"add_rms_norm", {1025, 257}, 1, 3, "many rows"},
  {"add_rms_norm", {64, 8192}, 1, 3, "LLM hidden size"},
  // SkipSimplifiedLayerNormalization: a bias added to x + residual, on rows in registers and streamed.
  {"add_rms_norm", {5, 33}, 1, 0, "D=33, skip bias", 0, kNoAct, true},
  {"add_rms_norm", {2, 65535}, 1, 1, "D=65535 (streamed), skip bias", 0, kNoAct, true},
  {"add_rms_norm", {37, 768}, 1, 1, "BERT-base width, skip bias", 0, kNoAct, true},
  {"add_rms_norm_q8", {7, 1}, 1, 3, "D=1"},
  {"add_rms_norm_q8", {5, 33}, 1, 0, "D=33"},
  {"add_rms_norm_q8", {3, 4097}, 1, 1, "D=4097"},
  {"add_rms_norm_q8", {2, 65535}, 1, 3, "D=65535 (streamed)"},
  {"add_rms_norm_q8", {4096}, 1, 3, "rank 1 (decode: one row)"},
  {"add_rms_norm_q8", {9, 4, 64}, 1, 3, "(tokens, heads, head_dim)"},
  {"add_rms_norm_q8", {3, 5, 128}, 2, 3, "normalized_rank 2"},
  {"add_rms_norm_q8", {1025, 257}, 1, 3, "many rows"},
  {"add_rms_norm_q8", {64, 8192}, 1, 3, "LLM hidden size"},
  {"add_rms_norm_q8", {5, 33}, 1, 1, "D=33, skip bias", 0, kNoAct, true},
  // float8 y (e4m3fn, e5m2): the q8 module with QFMT; rows in registers and streamed, per-head
  // views, the fused add with its static scale (saturating) and the skip bias.
  {"rms_norm_last_fp8", {7, 1}, 1, 3, "D=1"},
  {"rms_norm_last_fp8", {5, 33}, 1, 0, "D=33"},
  {"rms_norm_last_fp8", {3, 4097}, 1, 1, "D=4097"},
  {"rms_norm_last_fp8", {2, 65535}, 1, 3, "D=65535 (streamed)"},
  {"rms_norm_last_fp8", {4096}, 1, 3, "rank 1 (decode: one row)"},
  {"rms_norm_last_fp8", {9, 4, 64}, 1, 1, "(tokens, heads, head_dim)"},
  {"rms_norm_last_fp8", {1025, 257}, 1, 3, "many rows"},
  {"rms_norm_last_fp8", {64, 8192}, 1, 3, "LLM hidden size"},
  {"add_rms_norm_fp8", {5, 33}, 1, 0, "D=33"},
  {"add_rms_norm_fp8", {3, 4097}, 1, 1, "D=4097"},
  {"add_rms_norm_fp8", {2, 65535}, 1, 3, "D=65535 (streamed)"},
  {"add_rms_norm_fp8", {64, 8192}, 1, 3, "LLM hidden size"},
  {"add_rms_norm_fp8", {5, 33}, 1, 1, "D=33, skip bias", 0, kNoAct, true},
  {"rms_norm_last_fp8e5m2", {5, 33}, 1, 0, "D=33"},
  {"rms_norm_last_fp8e5m2", {3, 4097}, 1, 1, "D=4097"},
  {"rms_norm_last_fp8e5m2", {2, 65535}, 1, 3, "D=65535 (streamed)"},
  {"rms_norm_last_fp8e5m2", {64, 8192}, 1, 3, "LLM hidden size"},
  {"add_rms_norm_fp8e5m2", {5, 33}, 1, 0, "D=33"},
  {"add_rms_norm_fp8e5m2", {3, 4097}, 1, 3, "D=4097"},
  {"add_rms_norm_fp8e5m2", {1025, 257}, 1, 3, "many rows"},
  // A float8 scale per 128 elements of a row (per-group maxima in shared memory; the row stays
  // in registers, long rows with more items per lane): one short group, a 1-element last group,
  // DeepSeek-V3's hidden size, per-head views.
  {"add_rms_norm_fp8_g128", {5, 33}, 1, 0, "D=33 (one short group)"},
  {"add_rms_norm_fp8_g128", {3, 4097}, 1, 1, "D=4097 (a 1-element last group)"},
  {"add_rms_norm_fp8_g128", {2, 7168}, 1, 0, "DeepSeek-V3 hidden size"},
  {"add_rms_norm_fp8_g128", {2, 65535}, 1, 3, "D=65535 (in registers)"},
  {"add_rms_norm_fp8_g128", {9, 4, 64}, 1, 3, "(tokens, heads, head_dim)"},
  {"add_rms_norm_fp8_g128", {1025, 257}, 1, 3, "many rows"},
  {"add_rms_norm_fp8_g128", {64, 8192}, 1, 2, "LLM hidden size"},
  {"add_rms_norm_fp8_g128", {5, 33}, 1, 1, "D=33, skip bias", 0, kNoAct, true},
  // add_layer_norm: rows in registers and split rows (h through residual_out or scratch).
  {"add_layer_norm", {7, 1}, 1, 3, "D=1"},
  {"add_layer_norm", {5, 33}, 1, 0, "D=33"},
  {"add_layer_norm", {3, 1025}, 1, 2, "D=1025"},
  {"add_layer_norm", {2, 131072}, 1, 0, "few long rows (split across workgroups)"},
  // ONNX SkipLayerNormalization: a bias added to x + residual (row kernel and residual_add pass).
  {"add_layer_norm", {5, 33}, 1, 0, "D=33, skip bias", 0, kNoAct, true},
  {"add_layer_norm", {37, 768}, 1, 1, "BERT-base width, skip bias", 0, kNoAct, true},
  {"add_layer_norm", {2, 131072}, 1, 1, "few long rows, skip bias", 0, kNoAct, true},
  {"add_layer_norm", {4, 3, 5, 7}, 3, 2, "normalized_rank 3"},
  {"add_layer_norm", {1025, 33}, 1, 3, "many short rows"},
  {"add_layer_norm", {64, 8192}, 1, 3, "transformer hidden size"},
  {"add_layer_norm", {3, 65537}, 1, 3, "D=65537 (split)"},
  // l1_norm / l2_norm over dim 1: rows (row kernel) and channel columns (channel kernel), C =
  // 1, 3, 64, 1000, 65535 (streamed rows); every fifth column all zero (NaN).
  {"l1_norm", {5, 33}, 1, 0, "rows, D=33"},
  {"l1_norm", {2, 64, 257}, 1, 0, "C=64, S=257"},
  {"l1_norm", {4, 1, 7}, 1, 2, "C=1"},
  {"l1_norm", {2, 3, 33}, 1, 2, "C=3, S=33"},
  {"l1_norm", {1, 1000, 7}, 1, 3, "C=1000, S=7"},
  {"l1_norm", {2, 65535}, 1, 3, "D=65535 (streamed rows)"},
  {"l2_norm", {5, 33}, 1, 0, "rows, D=33"},
  {"l2_norm", {2, 64, 257}, 1, 0, "C=64, S=257"},
  {"l2_norm", {4, 1, 7}, 1, 2, "C=1"},
  {"l2_norm", {2, 3, 33}, 1, 2, "C=3, S=33"},
  {"l2_norm", {1, 1000, 7}, 1, 3, "C=1000, S=7"},
  {"l2_norm", {2, 65535}, 1, 3, "D=65535 (streamed rows)"},
  // batch_norm: per-channel statistics over N x spatial (training; eval: running statistics).
  // One default shape (CI time: ~60 default cases per operator with the variants below); the
  // C = 1 / 3 / 1000, N = 1, spatial 1 and rank 2 / 5 shapes run in --full and --random.
  {"batch_norm", {4, 64, 257}, 1, 0, "C=64, S=257"},
  {"batch_norm", {7, 1}, 1, 3, "C=1, rank 2"},
  {"batch_norm", {5, 3, 1}, 1, 3, "C=3, S=1"},
  {"batch_norm", {1, 3, 257}, 1, 3, "N=1, S=257"},
  {"batch_norm", {2, 1000, 7}, 1, 3, "C=1000, S=7"},
  {"batch_norm", {1000, 64}, 1, 3, "rank 2 (N, C)"},
  {"batch_norm", {2, 3, 4, 5, 6}, 1, 3, "rank 5"},
  {"batch_norm", {8, 3, 128, 128}, 1, 3, "400k elements, vec4"},
  {"batch_norm", {4, 80, 72, 72}, 1, 1, "20736 values x 80 channels: streamed twice per channel"},
  {"batch_norm_eval", {3, 1000, 7}, 1, 3, "C=1000, S=7"},
  {"batch_norm_eval", {1, 1, 1}, 1, 3, "single element (eval allows it)"},
  {"batch_norm_eval", {4, 64, 257}, 1, 3, "C=64, S=257"},
  // group_norm: groups 1, C and between (default: largest divisor <= sqrt(C)); rows in
  // registers and rows split across workgroups (C / groups x S > 16384).
  {"group_norm", {2, 64, 257}, 1, 0, "C=64, 8 groups, S=257 (rows of 2056)"},
  {"group_norm", {3, 3, 33}, 1, 0, "C=3, one group"},
  {"group_norm", {2, 64, 7}, 1, 1, "C=64, 64 groups (InstanceNorm-like)", 64},
  {"group_norm", {2, 64, 7}, 1, 1, "C=64, one group (LayerNorm-like)", 1},
  {"group_norm", {2, 32, 4096}, 1, 0, "C=32, 2 groups: rows of 65536 split across workgroups", 2},
  {"group_norm", {5, 1}, 1, 3, "rank 2 (no spatial dims)"},
  {"group_norm", {1, 1000, 7}, 1, 3, "C=1000, 25 groups"},
  {"group_norm", {1, 1, 1}, 1, 3, "single element"},
  {"group_norm", {2, 6, 5, 7, 9}, 1, 3, "rank 5, groups of 3 channels", 2},
  {"group_norm", {2, 320, 16, 16}, 1, 3, "SD-UNet-like, 32 groups", 32},
  // The fused activation, on the row kernel and on the split path.
  {"group_norm", {2, 64, 257}, 1, 0, "C=64, 8 groups, SiLU", 8, vknorm::Activation::silu},
  {"group_norm", {2, 32, 4096}, 1, 1, "split rows, SiLU", 2, vknorm::Activation::silu},
  {"group_norm", {3, 30, 7}, 1, 1, "10 groups, GELU (tanh)", 10, vknorm::Activation::gelu_tanh},
  {"group_norm", {2, 32, 4096}, 1, 3, "split rows, GELU (tanh)", 2, vknorm::Activation::gelu_tanh},
  // group_norm_nhwc (channels_last): x (N, spatial.., C). Vec 4 (C and C / groups multiples of
  // 4) and scalar channels; groups 1, C and between; channel blocks (groups of a block, and
  // groups wider than a workgroup's lanes split over blocks); chunks of positions.
  {"group_norm_nhwc", {2, 7, 9, 64}, 1, 0, "C=64, 8 groups, 7x9 positions"},
  {"group_norm_nhwc", {3, 33, 3}, 1, 0, "C=3 (scalar), one group"},
  {"group_norm_nhwc", {2, 7, 64}, 1, 1, "C=64, 64 groups (cpg 1)", 64},
  {"group_norm_nhwc", {2, 7, 64}, 1, 1, "C=64, one group", 1},
  {"group_norm_nhwc", {5, 6}, 1, 1, "rank 2 (spatial 1), 2 groups", 2},
  {"group_norm_nhwc", {1, 1, 1, 1}, 1, 3, "single element"},
  {"group_norm_nhwc", {1, 5, 1000}, 1, 1, "C=1000, 25 groups (channel blocks on 128 lanes)"},
  {"group_norm_nhwc", {1, 3, 4100}, 1, 1, "one group of 4100 channels over several blocks", 1},
  {"group_norm_nhwc", {2, 5, 2050}, 1, 3, "C=2050 scalar, 2 groups of 1025 over blocks", 2},
  {"group_norm_nhwc", {1, 16, 16, 320}, 1, 0, "SD-UNet-like 16x16 x 320, 32 groups", 32},
  {"group_norm_nhwc", {1, 64, 64, 128}, 1, 2, "VAE-like 64x64 x 128, 32 groups", 32},
  {"group_norm_nhwc", {2, 6, 5, 7, 9}, 1, 3, "rank 5, C=9, 3 groups", 3},
  {"group_norm_nhwc", {2, 9, 9, 64}, 1, 0, "C=64, 8 groups, SiLU", 8, vknorm::Activation::silu},
  {"group_norm_nhwc", {3, 7, 30}, 1, 1, "10 groups (cpg 3), GELU (tanh)", 10, vknorm::Activation::gelu_tanh},
  {"group_norm_nhwc", {1, 32, 32, 256}, 1, 3, "32x32 x 256, SiLU", 32, vknorm::Activation::silu},
  // instance_norm: per (sample, channel) plane; running statistics updated (training) or read.
  {"instance_norm", {2, 3, 257}, 1, 0, "C=3, S=257"},
  {"instance_norm", {4, 64, 7, 9}, 1, 1, "C=64, 7x9 planes"},
  {"instance_norm", {1, 2, 131072}, 1, 1, "planes split across workgroups"},
  {"instance_norm", {3, 1, 2}, 1, 3, "C=1, S=2"},
  {"instance_norm", {2, 1000, 7}, 1, 3, "C=1000, S=7"},
  {"instance_norm_eval", {3, 5, 64}, 1, 0, "C=5, S=64"},
  {"instance_norm_eval", {2, 1000, 7}, 1, 3, "C=1000, S=7"},
  // ada_norm (DiT AdaLN): modulation per sample of (B, T, D), per row of (rows, D), one row for
  // (D); odd D (scalar path), DiT widths, the longest rows one workgroup holds.
  {"ada_layer_norm", {2, 5, 33}, 1, 0, "per sample, D=33"},
  {"ada_layer_norm", {3, 1152}, 1, 1, "per row (token), PixArt width"},
  {"ada_layer_norm", {1, 1}, 1, 3, "D=1"},
  {"ada_layer_norm", {2, 77, 1536}, 1, 2, "per sample, SD3 width"},
  {"ada_layer_norm", {1, 3, 16384}, 1, 3, "long rows (16384)"},
  {"ada_rms_norm", {2, 5, 33}, 1, 0, "per sample, D=33"},
  {"ada_rms_norm", {7, 3072}, 1, 1, "per row, Flux width"},
  {"ada_rms_norm", {65}, 1, 3, "rank 1 (one row)"},
  {"gated_ada_layer_norm", {2, 5, 33}, 1, 0, "per sample, D=33"},
  {"gated_ada_layer_norm", {2, 9, 3072}, 1, 1, "per sample, Flux width"},
  {"gated_ada_layer_norm", {1025, 40}, 1, 3, "many short rows"},
  {"gated_ada_rms_norm", {2, 5, 33}, 1, 0, "per sample, D=33"},
  {"gated_ada_rms_norm", {3, 7, 1152}, 1, 2, "per sample, PixArt width"},
  // Quantized y (ada_norm_row_q8): int8 / float8 codes with a dynamic per-row scale (the extra
  // max |y| reduction) or a static one (gated_ada_layer_norm_fp8), scalar and vector paths.
  {"ada_layer_norm_q8", {2, 5, 33}, 1, 0, "per sample, D=33"},
  {"ada_layer_norm_q8", {3, 1152}, 1, 1, "per row (token), PixArt width"},
  {"ada_layer_norm_q8", {1, 1}, 1, 3, "D=1"},
  {"ada_layer_norm_q8", {1, 3, 16384}, 1, 3, "long rows (16384)"},
  {"ada_layer_norm_fp8", {2, 5, 33}, 1, 0, "per sample, D=33"},
  {"ada_layer_norm_fp8", {2, 77, 1536}, 1, 2, "per sample, SD3 width"},
  {"ada_layer_norm_fp8", {1025, 40}, 1, 3, "many short rows"},
  {"ada_rms_norm_fp8e5m2", {2, 5, 33}, 1, 0, "per sample, D=33"},
  {"ada_rms_norm_fp8e5m2", {7, 3072}, 1, 1, "per row, Flux width"},
  {"gated_ada_layer_norm_fp8", {2, 5, 33}, 1, 0, "per sample, D=33"},
  {"gated_ada_layer_norm_fp8", {2, 9, 3072}, 1, 1, "per sample, Flux width"},
  {"gated_ada_layer_norm_fp8", {1025, 40}, 1, 3, "many short rows"},
  // gated_rms_norm: Qwen3-Next's per-head gated norm (rows of 128), Mamba-2 widths, odd D.
  {"gated_rms_norm", {5, 33}, 1, 0, "D=33"},
  {"gated_rms_norm", {3, 16, 128}, 1, 1, "per head (Qwen3-Next)"},
  {"gated_rms_norm", {2, 5120}, 1, 2, "Mamba-2 2.7B d_ssm"},
  {"gated_rms_norm_gate_first", {5, 33}, 1, 0, "D=33"},
  {"gated_rms_norm_gate_first", {7, 2560}, 1, 1, "Mamba-2 d_ssm"},
  {"gated_rms_norm_gate_first", {1, 1}, 1, 3, "D=1"},
  // qk_norm_rope: (tokens, q_heads + kv_heads, head_dim), kv_heads = heads / 4 (GQA); q / k
  // are head slices of one packed buffer. Odd tokens, odd and model head_dims, decode.
  {"qk_norm_rope", {3, 5, 64}, 1, 0, "4 q + 1 kv heads, head_dim 64"},
  {"qk_norm_rope", {7, 2, 34}, 1, 0, "MHA 1 + 1, head_dim 34"},
  {"qk_norm_rope", {4, 3, 33}, 1, 0, "head_dim 33: rotary 32 + 1"},
  {"qk_norm_rope", {5, 40, 128}, 1, 1, "Qwen3-8B heads (32 + 8)"},
  {"qk_norm_rope", {1, 24, 256}, 1, 2, "decode, Gemma-3 head_dim 256"},
  {"qk_norm_rope", {65, 10, 128}, 1, 3, "65 tokens"},
  {"qk_norm_rope_gptj", {3, 5, 64}, 1, 0, "gptj, half rotary"},
  {"qk_norm_rope_gptj", {4, 3, 10}, 1, 0, "head_dim 10: rotary 4 + tail 6"},
  {"qk_norm_rope_gptj", {9, 36, 128}, 1, 1, "32 + 4 heads"},
  {"qk_norm_rope_gptj", {2, 8, 80}, 1, 2, "head_dim 80"},
  // frobenius_norm: the whole tensor; one element, odd sizes, several partial workgroups.
  {"frobenius_norm", {1}, 1, 0, "single element"},
  {"frobenius_norm", {7}, 1, 0, "rank 1, odd"},
  {"frobenius_norm", {33, 65}, 1, 0, "odd 2145 elements (scalar path)"},
  {"frobenius_norm", {3, 1000, 7}, 1, 1, "rank 3, 21k elements"},
  {"frobenius_norm", {1025, 1025}, 1, 2, "1M elements, several partials"},
  {"frobenius_norm", {2, 1024, 1024}, 1, 3, "2^21 elements, vec4"},
};
// clang-format on

int64_t numel(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t splitmix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Seeds stay below 2^31 so that they are exact in JSON and easy to type.
void assign_seed(CheckCase* c, uint64_t base_seed) {
  c->spec.seed = 0;
  const std::string identity = c->label();  // label with seed=0
  c->spec.seed = 1 + (splitmix(base_seed ^ fnv1a(identity)) % 0x7FFFFFFEull);
}

const OpCase* op_named(const char* name) {
  const OpCase* op = find_op_case(name);
  if (!op) {
    std::fprintf(stderr, "vknorm-check: the matrix names '%s', which is not a registered op case\n", name);
    std::abort();
  }
  return op;
}

CheckCase make_case(const OpCase* op, DType dt, const std::vector<int64_t>& shape, int nr,
                    double eps, DataKind data) {
  CheckCase c;
  c.spec.op = op;
  c.spec.dtype = dt;
  c.spec.shape = shape;
  c.spec.normalized_rank = op->uses_normalized_rank() ? nr : 1;
  c.spec.eps = eps;
  c.spec.data = data;
  c.spec.affine = true;
  return c;
}

}  // namespace

std::vector<CheckCase> build_matrix(MatrixSize size, uint64_t base_seed) {
  const int max_tier = size == MatrixSize::quick ? 0 : size == MatrixSize::standard ? 2 : 3;
  // Shapes above this many elements run a reduced eps x data product (all data kinds at
  // eps=1e-5, eps 0 and 10 with normal data); the quick matrix does so for every shape. So do
  // the many-row shapes (a leading dimension above 16384): they are there for the grid and the
  // dweight / dbias reductions over rows, and on lavapipe the per-row loop made three
  // LayerNorm-backward shapes of 1 to 7 elements a row a quarter of the matrix's time.
  const int64_t heavy = size == MatrixSize::full ? int64_t{1} << 21 : int64_t{1} << 18;
  const int64_t many_rows = size == MatrixSize::full ? int64_t{1} << 20 : int64_t{1} << 14;
  std::vector<CheckCase> cases;
  for (const auto& e : kShapes) {
    if (e.tier > max_tier) continue;
    const OpCase* op = op_named(e.op);
    const bool reduced = size == MatrixSize::quick || numel(e.shape) > heavy || e.shape[0] > many_rows;
    for (DType dt : kDTypes) {
      for (double eps : kEps) {
        for (DataKind data : kDataKinds) {
          if (reduced && eps != 1e-5 && data != DataKind::normal) continue;
          // The outlier probes the statistics, not eps: one eps is enough.
          if (data == DataKind::outlier_first && eps != 1e-5) continue;
          // Ops whose NaN / Inf behaviour vknorm.h leaves unspecified (the backward).
          if (!op->nan_inf_specified() && data == DataKind::nan_inf) continue;
          cases.push_back(make_case(op, dt, e.shape, e.normalized_rank, eps, data));
          cases.back().spec.groups = e.groups;
          cases.back().spec.activation = e.activation;
          cases.back().spec.add_bias = e.add_bias;
        }
      }
    }
  }
  // Layout and argument variants: by device address, element-aligned (not 16-byte) offsets,
  // no weight / bias, no optional outputs. Small and medium shapes, every dtype.
  struct Variant {
    const char* op;
    std::vector<int64_t> shape;
    int nr;
    int tier;
  };
  const Variant variants[] = {
      {"rms_norm", {2, 3, 33}, 1, 0},
      {"rms_norm", {2, 64, 257}, 1, 1},
      {"layer_norm", {5, 33}, 1, 0},
      {"layer_norm", {3, 65535}, 1, 1},
      {"layer_norm", {2, 131072}, 1, 1},
      {"layer_norm_backward", {5, 33}, 1, 0},
      {"layer_norm_backward", {3, 65535}, 1, 1},
      {"layer_norm_backward", {1025, 33}, 1, 2},
      {"rms_norm_backward", {5, 33}, 1, 0},
      {"rms_norm_backward", {3, 65535}, 1, 1},
      {"rms_norm_backward", {1025, 33}, 1, 3},
      {"rms_norm", {1, 1000, 1025}, 1, 3},
      {"layer_norm", {1, 1048575}, 1, 3},
      {"layer_norm_backward", {1025, 1025}, 1, 3},
      {"rms_norm_last", {5, 33}, 1, 0},
      {"rms_norm_last", {3, 4097}, 1, 3},
      {"rms_norm_last_q8", {5, 33}, 1, 0},
      {"rms_norm_last_q8", {2, 65535}, 1, 3},
      {"add_rms_norm", {5, 33}, 1, 0},
      {"add_rms_norm", {3, 4097}, 1, 3},
      {"add_rms_norm", {2, 65535}, 1, 3},
      {"add_rms_norm_q8", {5, 33}, 1, 0},
      {"add_rms_norm_q8", {3, 4097}, 1, 3},
      {"rms_norm_last_fp8", {5, 33}, 1, 0},
      {"add_rms_norm_fp8", {3, 4097}, 1, 3},
      {"rms_norm_last_fp8e5m2", {5, 33}, 1, 1},
      {"add_layer_norm", {5, 33}, 1, 0},
      {"add_layer_norm", {2, 131072}, 1, 2},
      {"l1_norm", {5, 33}, 1, 0},
      {"l2_norm", {2, 3, 33}, 1, 0},
      {"batch_norm", {2, 3, 33}, 1, 0},
      {"batch_norm_eval", {3, 5, 64}, 1, 0},
      {"batch_norm", {16, 3, 64, 64}, 1, 3},
      {"group_norm", {2, 64, 33}, 1, 0},
      {"group_norm_nhwc", {2, 5, 7, 64}, 1, 0},
      {"instance_norm", {2, 3, 33}, 1, 0},
      {"instance_norm_eval", {2, 3, 33}, 1, 0},
      {"frobenius_norm", {33, 65}, 1, 0},
      {"frobenius_norm", {4, 64, 257}, 1, 1},
      {"ada_layer_norm", {2, 5, 36}, 1, 0},
      {"ada_rms_norm", {2, 5, 36}, 1, 0},
      {"gated_ada_layer_norm", {2, 5, 36}, 1, 0},
      {"gated_ada_rms_norm", {2, 5, 36}, 1, 0},
      {"gated_ada_layer_norm", {3, 4, 1152}, 1, 2},
      {"ada_layer_norm_q8", {2, 5, 36}, 1, 0},
      {"ada_layer_norm_fp8", {3, 4, 1152}, 1, 2},
      {"gated_ada_layer_norm_fp8", {2, 5, 36}, 1, 0},
      {"gated_rms_norm", {5, 36}, 1, 0},
      {"gated_rms_norm_gate_first", {5, 36}, 1, 0},
      {"qk_norm_rope", {3, 5, 64}, 1, 0},
      {"qk_norm_rope_gptj", {3, 5, 64}, 1, 0},
  };
  for (const auto& v : variants) {
    if (v.tier > max_tier) continue;
    const OpCase* op = op_named(v.op);
    for (DType dt : kDTypes) {
      for (Layout layout : {Layout::address, Layout::misaligned}) {
        CheckCase c = make_case(op, dt, v.shape, v.nr, 1e-5, DataKind::normal);
        c.layout = layout;
        cases.push_back(c);
      }
      CheckCase c = make_case(op, dt, v.shape, v.nr, 1e-5, DataKind::normal);
      c.spec.affine = false;
      cases.push_back(c);
      if (op->accepts_f32_params() && dt != DType::f32) {  // fp32 weight / bias beside 16-bit x
        CheckCase m = make_case(op, dt, v.shape, v.nr, 1e-5, DataKind::normal);
        m.spec.f32_params = true;
        cases.push_back(m);
      }
      if (op->accepts_f32_residual() && dt != DType::f32) {  // an fp32 residual stream beside 16-bit x
        CheckCase m = make_case(op, dt, v.shape, v.nr, 1e-5, DataKind::normal);
        m.spec.f32_residual = true;
        cases.push_back(m);
        m.layout = Layout::in_place;  // residual_out = residual, both fp32
        cases.push_back(m);
      }
      if (op->supports_in_place()) {  // y = x, residual_out = residual or dx = dy (the op case says which)
        CheckCase p = make_case(op, dt, v.shape, v.nr, 1e-5, DataKind::normal);
        p.layout = Layout::in_place;
        cases.push_back(p);
        p.spec.data = DataKind::outlier_first;
        cases.push_back(p);
      }
      if (op->has_optional_outputs()) {
        CheckCase n = make_case(op, dt, v.shape, v.nr, 1e-5, DataKind::normal);
        n.spec.optional_outputs = false;  // no mean / rstd, no dweight / dbias
        cases.push_back(n);
      }
      if (size == MatrixSize::full && op->nan_inf_specified()) {
        CheckCase a = make_case(op, dt, v.shape, v.nr, 1e-5, DataKind::nan_inf);
        a.layout = Layout::address;
        a.spec.affine = false;
        cases.push_back(a);
      }
    }
  }
  for (auto& c : cases) assign_seed(&c, base_seed);
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Random shapes

std::vector<CheckCase> random_cases(int count, uint64_t seed, int64_t max_elements) {
  // mt19937_64's output sequence is fixed by the standard; the mapping to ranges below is
  // ours (std::uniform_*_distribution differ between standard libraries).
  std::mt19937_64 rng(seed);
  auto below = [&](uint64_t n) { return n ? rng() % n : 0; };
  auto unit = [&]() { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  const std::vector<const OpCase*>& ops = vknorm_support::op_cases();
  const double eps_values[] = {0.0, 1e-6, 1e-5, 1e-3, 0.1, 1.0, 10.0};
  std::vector<CheckCase> cases;
  for (int i = 0; i < count; ++i) {
    const OpCase* op = ops[below(ops.size())];
    const DType dt = kDTypes[below(3)];
    const int min_rank = op->min_rank(), max_rank = std::min(5, op->max_rank());
    const int rank = min_rank + static_cast<int>(below(static_cast<uint64_t>(max_rank - min_rank + 1)));
    std::vector<int64_t> shape(static_cast<size_t>(rank));
    for (auto& d : shape) {
      // Log-uniform in [1, 5000], so small and awkward sizes are as likely as large ones.
      d = static_cast<int64_t>(std::floor(std::exp(unit() * std::log(5001.0))));
      d = std::min<int64_t>(std::max<int64_t>(d, 1), 5000);
    }
    while (numel(shape) > max_elements) {
      auto it = std::max_element(shape.begin(), shape.end());
      *it = (*it + 1) / 2;
    }
    op->fit_drawn_shape(&shape);
    const int nr = !op->uses_normalized_rank() ? 1 : 1 + static_cast<int>(below(static_cast<uint64_t>(std::min(rank, 3))));
    DataKind data = kDataKinds[below(std::size(kDataKinds))];
    if (!op->nan_inf_specified() && data == DataKind::nan_inf) data = DataKind::normal;
    CheckCase c = make_case(op, dt, shape, nr, eps_values[below(7)], data);
    const uint64_t l = below(10);
    c.layout = l < 6 ? Layout::buffer : l < 8 ? Layout::address : l < 9 ? Layout::misaligned : Layout::in_place;
    if (c.layout == Layout::in_place && !op->supports_in_place()) c.layout = Layout::buffer;
    c.spec.affine = below(5) != 0;
    c.spec.optional_outputs = below(5) != 0;
    c.spec.seed = 1 + below(0x7FFFFFFEull);
    cases.push_back(c);
  }
  return cases;
}

}  // namespace vknorm_check
