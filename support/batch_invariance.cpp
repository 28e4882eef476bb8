// The batch-invariance check (see batch_invariance.h).
#include "support/batch_invariance.h"

#include "support/op_registry.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace vknorm_support {

namespace {

bool same_bits(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;  // a NaN's payload is not a row's business
  return std::memcmp(&a, &b, sizeof a) == 0;
}

}  // namespace

InvarianceResult check_batch_invariance(HostDevice& device, const CaseSpec& spec,
                                        const std::vector<int64_t>& batches) {
  InvarianceResult out;
  if (batches.empty() || spec.shape.empty()) {
    out.failure = "no batch sizes or an empty shape";
    return out;
  }
  CaseRunOptions o;
  o.keep_values = true;
  std::vector<CaseResult> runs;
  for (int64_t b : batches) {
    CaseSpec s = spec;
    s.shape[0] = b;
    CaseResult r = run_case(device, s, o);
    out.configs.push_back(vknorm::to_string(r.config));
    if (r.skipped) {
      out.failure = "skipped: " + r.skip_reason;
      return out;
    }
    if (!r.pass) {
      out.failure = s.label() + ": " + (r.ran ? r.failure : r.error.message);
      return out;
    }
    runs.push_back(std::move(r));
  }
  const CaseResult& ref = runs.back();
  const int64_t ref_batch = batches.back();
  for (size_t k = 0; k + 1 < runs.size(); ++k) {
    const int64_t b = batches[k];
    for (const OutputCheck& o_small : runs[k].outputs) {
      const OutputCheck* o_ref = nullptr;
      for (const OutputCheck& c : ref.outputs)
        if (c.name == o_small.name) o_ref = &c;
      if (!o_ref) continue;
      // Per-row outputs scale with the batch; the others reduce over it (not compared).
      const size_t n = o_small.got.size(), n_ref = o_ref->got.size();
      if (n == n_ref || n_ref % size_t(ref_batch) || n != n_ref / size_t(ref_batch) * size_t(b)) continue;
      for (size_t i = 0; i < n; ++i) {
        if (!same_bits(o_small.got[i], o_ref->got[i])) {
          char buf[160];
          std::snprintf(buf, sizeof buf, "%s[%zu] of the batch-%lld run is %.17g, of the batch-%lld run %.17g",
                        o_small.name.c_str(), i, static_cast<long long>(b), o_small.got[i],
                        static_cast<long long>(ref_batch), o_ref->got[i]);
          out.failure = buf;
          out.failure += " (configs " + out.configs[k] + " / " + out.configs.back() + ")";
          return out;
        }
      }
      out.values_compared += int64_t(n);
    }
  }
  if (out.values_compared == 0) {
    out.failure = "no output scales with the batch: nothing to compare";
    return out;
  }
  out.pass = true;
  return out;
}

std::string InvarianceCase::label() const {
  std::string s = spec.label() + " batches";
  for (size_t i = 0; i < batches.size(); ++i) s += (i ? "," : " ") + std::to_string(batches[i]);
  return s;
}

std::vector<InvarianceCase> batch_invariance_cases(int64_t max_values) {
  struct Family {
    const char* op;
    std::vector<std::vector<int64_t>> shapes;  // shape[0] (the batch) is replaced
  };
  // Rows of the register path (768, 4544: not powers of two) and of the split / streamed path
  // (16000 elements; channel ops: 2000 channels, GroupNorm rows of 8000).
  const std::vector<std::vector<int64_t>> rows = {{0, 768}, {0, 4544}, {0, 16000}};
  const std::vector<std::vector<int64_t>> channels = {{0, 96, 7}, {0, 2000, 5}};
  const Family families[] = {
      {"layer_norm", rows},          {"add_layer_norm", rows},     {"rms_norm_last", rows},
      {"add_rms_norm", rows},        {"rms_norm_last_q8", rows},   {"add_rms_norm_q8", rows},
      {"layer_norm_backward", rows}, {"rms_norm_backward", rows},  {"rms_norm", channels},
      {"l1_norm", channels},         {"l2_norm", channels},       {"batch_norm_eval", channels},
      {"group_norm", {{0, 32, 50}, {0, 64, 1000}}},
      // Channels last: (batch, S, C), vec 4 and scalar channels.
      {"group_norm_nhwc", {{0, 49, 64}, {0, 300, 6}}},
      {"instance_norm", {{0, 16, 49}, {0, 8, 9000}}},   {"instance_norm_eval", {{0, 16, 49}}},
      // ada_norm: (batch, D) rows, modulation per row; 16000 runs in registers (more items).
      {"ada_layer_norm", rows},      {"gated_ada_rms_norm", rows},  {"gated_rms_norm_gate_first", rows},
      {"rms_norm_last_fp8", rows},  // float8 codes: the int8 module with another QFMT
      {"add_rms_norm_fp8_g128", rows},  // per-group maxima: shared-memory atomics (exact)
      // ada_norm's quantized y: its own module, the max |y| reduction per row.
      {"ada_layer_norm_q8", rows},   {"gated_ada_layer_norm_fp8", rows},
      // qk_norm_rope: (tokens, q_heads + kv_heads, head_dim), the batch is the token count.
      {"qk_norm_rope", {{0, 40, 128}, {0, 24, 256}}}, {"qk_norm_rope_gptj", {{0, 36, 128}}},
  };
  std::vector<InvarianceCase> out;
  for (const Family& f : families) {
    const OpCase* op = find_op_case(f.op);
    if (!op) continue;
    for (const auto& shape : f.shapes) {
      int64_t per_batch = 1;
      for (size_t i = 1; i < shape.size(); ++i) per_batch *= shape[i];
      for (vknorm::DType dt : {vknorm::DType::f32, vknorm::DType::f16, vknorm::DType::bf16}) {
        InvarianceCase c;
        c.spec.op = op;
        c.spec.dtype = dt;
        c.spec.shape = shape;
        c.spec.seed = 4242;
        // 1, 7, 333 and 5000 rows; rows longer than 1024 elements as many as keep a run under
        // max_values, the middle batch half that (the middle batch stayed 333 until
        // 2026-12-07: 2 x 21M values for GroupNorm's (64, 1000) rows on CI's two cores).
        const int64_t most = per_batch <= 1024 ? 5000 : std::clamp<int64_t>(max_values / per_batch, 16, 5000);
        c.batches = {1, 7, std::min<int64_t>(333, most / 2), most};
        out.push_back(c);
      }
    }
  }
  return out;
}

}  // namespace vknorm_support
