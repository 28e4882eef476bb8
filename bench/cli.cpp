#include "cli.h"

#include "support/op_case.h"

#include <algorithm>
#include <cstdlib>

namespace vknorm_bench {

const char* usage() {
  return R"(usage: vknorm-bench [--suite kernelbench|extended|sweep|llm|zoo|smoke | --op OP --shape AxBx.. [options]]

cases
  --suite NAME           kernelbench (KernelBench level 1's norm family: #33 BatchNorm2d
                         training, #34 InstanceNorm2d, #35 GroupNorm, #36 RMSNorm, #37 Frobenius,
                         #38 L1, #39 L2, #40 LayerNorm fwd and fwd+bwd),
                         extended (kernelbench + f16/bf16 and many-short-row cases),
                         sweep (~90 cases: RMSNorm, LayerNorm fwd/bwd/fwd+bwd x f32/f16/bf16,
                         GroupNorm on Stable Diffusion shapes; default --runs 10), llm (last-dim
                         RMSNorm, fused add, int8 outputs in f16/bf16), zoo (~85 norm calls of
                         30 published models: LLMs, ViTs, DiTs, diffusion UNets / VAEs, CNNs,
                         decode to large prefill) or smoke (15 tiny cases, for --self-test on a
                         CPU)
  --list                 print the cases (name, model, op, dtype, shape, minimal bytes..) as
                         JSON and exit, without opening a device (compare_torch.py reads it)
  --case NAME[,NAME..]   run only these cases of the suite, in the order given (one: as if
                         it were alone)
  --op OP                rms_norm | layer_norm | layer_norm_backward | rms_norm_backward |
                         layer_norm_fwd_bwd | rms_norm_last | add_rms_norm | rms_norm_last_q8 |
                         add_rms_norm_q8 | rms_norm_last_fp8 | add_rms_norm_fp8 |
                         rms_norm_last_fp8e5m2 | add_rms_norm_fp8e5m2 |
                         add_rms_norm_fp8_g128 | batch_norm |
                         batch_norm_eval | l1_norm | l2_norm | group_norm | group_norm_nhwc |
                         instance_norm | instance_norm_eval | frobenius_norm | any other op case
                         of --list (group_norm_nhwc: N x spatial.. x C, channels_last)
                         (instance_norm: input statistics, no running statistics, as torch's
                         default InstanceNorm; batch_norm: training, running statistics updated)
  --shape AxBxC..        e.g. 8x64x128x128 (rms: N x C x spatial..; layer norm: .. x normalized)
  --dtype T              f32 (default) | f16 | bf16
  --eps X                default 1e-5
  --normalized-rank K    layer norm: trailing dimensions normalized (default 1)
  --groups G             group_norm: num_groups (default: the largest divisor of C <= sqrt(C));
                         qk_norm_rope*: kv heads of the (tokens, q + kv heads, head_dim) shape (heads / 4)
  --activation A         group_norm: none (default) | silu | gelu_tanh, after the affine
  --add-bias             add_layer_norm / add_rms_norm*: a D-element bias added to x + residual
                         (ONNX SkipLayerNormalization / SkipSimplifiedLayerNormalization)
  --f32-params           weight / bias in fp32 beside 16-bit x (mixed precision; the row norms)
  --f32-residual         add_rms_norm*: residual / residual_out in fp32 beside 16-bit x
  --no-affine            no weight (rms) / weight and bias (layer norm)
timing
  --runs N               timed runs per case (default 20, at least 10; short cases get more,
                         up to 500, so that the timed runs add up to 2 ms of GPU time)
  --warmup N             untimed runs before (default 3)
  --warmup-ms X          ... for at least X ms of wall time (default 250: idle GPUs lower
                         their clocks and need sustained work to raise them again)
  --no-flush             do not overwrite a scratch buffer (L2 flush) between runs
  --flush-mib N          flush buffer size (default 256; 32 on CPU devices)
  --no-roofline          skip the copy roofline (%roof is then 0)
  --batch-invariant      time a batch-invariant context (ContextCreateInfo::batch_invariant:
                         configs chosen as for a large batch); against a run without, the
                         cost of invariance per case
  --no-copy              skip each case's same-size copy (vknorm's copy shader moving the
                         case's minimal bytes: half read, half written; eff = copy / case)
  --stream K             also time K calls recorded back to back in one command buffer: with
                         an L2 flush before each (minus the flushes alone) and without; per call
  --stream-barrier B     between the back-to-back calls: full (default: an ALL_COMMANDS memory
                         barrier) or compute (COMPUTE_SHADER/SHADER_WRITE -> SHADER_READ|WRITE,
                         what vknorm's synchronization contract asks of a caller) or none
                         (independent calls: the launch cost alone; the flushed region keeps
                         its full barriers)
  --roofline-mib N       copy size of the roofline measurement (default 1024, capped by budget)
  --arena-mib N          make every tensor block at least N MiB (blocks are sized to the
                         largest case of the run; this reproduces a big suite's blocks alone)
  --budget-mib N         per-tensor memory budget; larger cases are scaled down (halving the
                         batch). Default: 64 on CPU devices, device memory otherwise
self-test (the harness: a case must time the same inside the suite and alone)
  --self-test            run the suite, then each case alone in a fresh process (--case), twice
                         (alternating); compare medians; exit 1 if a case differs by more than
                         3% + the repeat-to-repeat noise (noise itself capped at 5%)
  --self-test-reps N     repetitions of the suite/alone pair (default 2, at least 2)
  --self-test-tol PCT    allowed difference beyond the noise (default 3)
  --self-test-max-noise PCT  a case noisier than this fails as NOISY (default 5)
output
  --json FILE            write everything as JSON
  --no-check             skip the sampled fp64 error check
  --no-profile           skip describe_dispatches / pipeline statistics
  --quiet                no progress on stderr
device
  --device SEL           index or name substring (also VKNORM_DEVICE)
  --by-address           bind tensors by buffer device address instead of VkBuffer
  --validation           enable the validation layer (off by default: it skews timings)
  --list-devices         print the Vulkan devices and exit
tuning
  --tune                 measure 3-6 configs around the selector's choice per case and store
                         the winners (only if faster than the baseline beyond the noise)
  --try 'CFG[;CFG..]'    with --tune: measure these configs instead of the automatic variants,
                         each a config text (e.g. 'split=528;items=32 wg=512') whose non-zero
                         values replace the selector's choice (the others stay); no count limit
  --tune-cache FILE      the cache: written by --tune (default vknorm-tuning-cache.txt),
                         read by the library (ContextCreateInfo::tuning_cache_path) otherwise
)";
}

namespace {

bool to_int(const std::string& s, int64_t* v) {
  char* end = nullptr;
  const long long x = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end) return false;
  *v = x;
  return true;
}

bool to_double(const std::string& s, double* v) {
  char* end = nullptr;
  const double x = std::strtod(s.c_str(), &end);
  if (s.empty() || *end) return false;
  *v = x;
  return true;
}

}  // namespace

bool parse_options(int argc, char** argv, Options* o, std::string* error) {
  bool have_shape = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= argc) {
        *error = a + " needs a value";
        return false;
      }
      *v = argv[++i];
      return true;
    };
    auto int_value = [&](int64_t lo, int64_t* v) {
      std::string s;
      if (!value(&s)) return false;
      if (!to_int(s, v) || *v < lo) {
        *error = a + ": bad value '" + s + "'";
        return false;
      }
      return true;
    };
    std::string s;
    int64_t n = 0;
    if (a == "-h" || a == "--help") {
      *error = "help";
      return false;
    } else if (a == "--suite") {
      if (!value(&o->suite)) return false;
      if (suite(o->suite).empty()) {
        *error = "unknown suite '" + o->suite + "' (kernelbench, extended, sweep, llm, zoo, smoke)";
        return false;
      }
    } else if (a == "--case") {
      if (!value(&s)) return false;
      for (size_t b = 0; b <= s.size();) {
        const size_t e = std::min(s.find(',', b), s.size());
        if (e > b) o->case_names.push_back(s.substr(b, e - b));
        b = e + 1;
      }
    } else if (a == "--arena-mib") {
      int64_t v = 0;
      if (!value(&s) || !to_int(s, &v) || v < 0) {
        *error = "--arena-mib: bad value";
        return false;
      }
      o->arena_mib = static_cast<uint64_t>(v);
    } else if (a == "--warmup-ms") {
      if (!value(&s) || !to_double(s, &o->warmup_ms) || !(o->warmup_ms >= 0)) {
        *error = "--warmup-ms: bad value";
        return false;
      }
    } else if (a == "--no-roofline") {
      o->roofline = false;
    } else if (a == "--no-copy") {
      o->same_size_copy = false;
    } else if (a == "--batch-invariant") {
      o->batch_invariant = true;
    } else if (a == "--stream") {
      if (!int_value(1, &n)) return false;
      o->stream_calls = static_cast<int>(std::min<int64_t>(n, 4096));
    } else if (a == "--stream-barrier") {
      if (!value(&s)) return false;
      if (s != "full" && s != "compute" && s != "none") {
        *error = "--stream-barrier: full, compute or none, not '" + s + "'";
        return false;
      }
      o->stream_barrier = s == "compute" ? StreamBarrier::compute : s == "none" ? StreamBarrier::none : StreamBarrier::full;
    } else if (a == "--list") {
      o->list = true;
    } else if (a == "--self-test") {
      o->self_test = true;
    } else if (a == "--self-test-reps") {
      if (!int_value(2, &n)) return false;
      o->self_test_reps = static_cast<int>(n);
    } else if (a == "--self-test-tol" || a == "--self-test-max-noise") {
      double v = 0;
      if (!value(&s) || !to_double(s, &v) || !(v >= 0)) {
        *error = a + ": bad value";
        return false;
      }
      (a == "--self-test-tol" ? o->self_test_tol_pct : o->self_test_max_noise_pct) = v;
    } else if (a == "--op") {
      if (!value(&s)) return false;
      if (!parse_bench_op(s, &o->single.op)) {
        std::string known;
        for (const std::string& name : bench_op_names()) known += (known.empty() ? "" : ", ") + name;
        *error = "unknown op '" + s + "' (" + known + ")";
        return false;
      }
      o->have_single = true;
    } else if (a == "--shape") {
      if (!value(&s)) return false;
      if (!parse_shape(s, &o->single.shape)) {
        *error = "bad shape '" + s + "' (e.g. 8x64x128x128)";
        return false;
      }
      have_shape = true;
    } else if (a == "--dtype") {
      if (!value(&s)) return false;
      if (!vknorm_support::parse_dtype(s, &o->single.dtype)) {
        *error = "unknown dtype '" + s + "' (f32, f16, bf16)";
        return false;
      }
    } else if (a == "--eps") {
      if (!value(&s)) return false;
      if (!to_double(s, &o->single.eps) || !(o->single.eps >= 0)) {
        *error = "bad eps '" + s + "'";
        return false;
      }
    } else if (a == "--normalized-rank") {
      if (!int_value(1, &n)) return false;
      o->single.normalized_rank = static_cast<int>(n);
    } else if (a == "--groups") {
      if (!int_value(1, &n)) return false;
      o->single.groups = n;
    } else if (a == "--activation") {
      if (!value(&s)) return false;
      if (!vknorm_support::parse_activation(s, &o->single.activation)) {
        *error = "--activation: none, silu or gelu_tanh, not '" + s + "'";
        return false;
      }
    } else if (a == "--add-bias") {
      o->single.add_bias = true;
    } else if (a == "--f32-params") {
      o->single.f32_params = true;
    } else if (a == "--f32-residual") {
      o->single.f32_residual = true;
    } else if (a == "--no-affine") {
      o->single.affine = false;
    } else if (a == "--runs") {
      if (!int_value(10, &n)) {
        if (error->find("bad value") != std::string::npos) *error += " (at least 10)";
        return false;
      }
      o->runs = static_cast<int>(n);
      o->runs_given = true;
    } else if (a == "--warmup") {
      if (!int_value(0, &n)) return false;
      o->warmup = static_cast<int>(n);
    } else if (a == "--no-flush") {
      o->flush = false;
    } else if (a == "--flush-mib") {
      if (!int_value(1, &n)) return false;
      o->flush_mib = static_cast<uint64_t>(n);
      o->flush_mib_given = true;
    } else if (a == "--roofline-mib") {
      if (!int_value(1, &n)) return false;
      o->roofline_mib = static_cast<uint64_t>(n);
    } else if (a == "--budget-mib") {
      if (!int_value(1, &n)) return false;
      o->budget_mib = static_cast<uint64_t>(n);
    } else if (a == "--json") {
      if (!value(&o->json_path)) return false;
    } else if (a == "--no-check") {
      o->check = false;
    } else if (a == "--no-profile") {
      o->profile = false;
    } else if (a == "--quiet") {
      o->quiet = true;
    } else if (a == "--device") {
      if (!value(&o->device)) return false;
    } else if (a == "--by-address") {
      o->by_address = true;
    } else if (a == "--validation") {
      o->validation = true;
    } else if (a == "--list-devices") {
      o->list_devices = true;
    } else if (a == "--tune") {
      o->tune = true;
    } else if (a == "--tune-cache") {
      if (!value(&o->tune_cache)) return false;
    } else if (a == "--try") {
      std::string list;
      if (!value(&list)) return false;
      for (size_t b = 0; b <= list.size();) {
        size_t e = list.find(';', b);
        if (e == std::string::npos) e = list.size();
        const std::string one = list.substr(b, e - b);
        vknorm::KernelConfig parsed;
        if (const vknorm::Error pe = vknorm::parse_config(one, &parsed)) {
          *error = "--try: " + pe.message;
          return false;
        }
        o->try_configs.push_back(one);
        b = e + 1;
      }
    } else {
      *error = "unknown argument '" + a + "'";
      return false;
    }
  }
  if (o->list_devices) return true;
  if (o->have_single != have_shape) {
    *error = o->have_single ? "--op needs --shape" : "--shape needs --op";
    return false;
  }
  if (o->have_single && !o->suite.empty()) {
    *error = "give either --suite or --op, not both";
    return false;
  }
  if (!o->have_single && o->suite.empty()) o->suite = "kernelbench";
  for (const std::string& name : o->case_names) {
    bool found = false;
    if (!o->have_single)
      for (const BenchCase& c : suite(o->suite)) found |= c.name == name;
    if (!found) {
      *error = "--case " + name + ": no such case in suite " + o->suite;
      return false;
    }
  }
  if (o->self_test && (o->have_single || o->tune)) {
    *error = "--self-test needs a --suite (and no --tune)";
    return false;
  }
  // The sweep has ~90 cases: keep it to a few minutes on a GPU (its large cases take ~1 ms).
  if (o->suite == "sweep" && !o->runs_given) o->runs = 10;
  if (o->have_single) {
    BenchCase& c = o->single;
    const size_t rank = c.shape.size();
    const auto parts = c.parts();
    const vknorm_support::OpCase* op = parts.front();
    if (rank < static_cast<size_t>(op->min_rank()) || rank > static_cast<size_t>(op->max_rank())) {
      *error = c.op + " needs a shape of rank " + std::to_string(op->min_rank()) +
               (op->max_rank() > op->min_rank() ? " to " + std::to_string(op->max_rank()) : "") + " (" +
               op->shape_help() + ")";
      return false;
    }
    if (op->uses_normalized_rank() && static_cast<size_t>(c.normalized_rank) > rank) {
      *error = "--normalized-rank exceeds the shape's rank";
      return false;
    }
  }
  if (!o->try_configs.empty() && !o->tune) {
    *error = "--try needs --tune";
    return false;
  }
  if (o->tune && o->tune_cache.empty()) o->tune_cache = "vknorm-tuning-cache.txt";
  return true;
}

}  // namespace vknorm_bench
