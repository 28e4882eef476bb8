#include "tools/check/options.h"

#include "support/host_device.h"
#include "support/op_registry.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace vknorm_check {

const char* usage_text() {
  return R"(usage: vknorm-check [options]                 run the conformance matrix
       vknorm-check --list-devices [--json F]    list Vulkan devices and vknorm support
       vknorm-check --batch-invariance           rows' bits across batch sizes (a context with
                                                 ContextCreateInfo::batch_invariant; --filter)
       vknorm-check --case OP --shape AxBx.. [case options]   run one case, show mismatches
       vknorm-check --random N [--seed S]        N random shapes (ranks 1-5, dims 1-5000)
       vknorm-check --compare A.json B.json      cases whose status or error differ
       vknorm-check --html OUT.html A.json [B.json ..]   one HTML page of JSON reports

device and run:
  --device SEL              device index or name substring (default: $VKNORM_DEVICE, else
                            the first GPU)
  --no-validation           disable the validation layer (also VKNORM_VALIDATION=0)
  --force-shared-reduction  use the shared-memory reduction fallback (no subgroup ops)
  --virtual-subgroup N      run every kernel's subgroup operations over virtual subgroups of
                            N = 64 or 128 lanes (shared memory; a library built with
                            -DVKNORM_VIRTUAL_SUBGROUPS=ON; also $VKNORM_VIRTUAL_SUBGROUP)
  --limits PROFILE          plan within a smaller device's limits (mobile | integrated; see
                            vknorm::DeviceLimits): selection, planning and the check of every
                            dispatch before recording use them (also $VKNORM_LIMITS)
  --quick | --full          smaller / bigger matrix (default: the CI matrix)
  --seed S                  base seed of the matrix, seed of --random, or of --case (1)
  --filter SUBSTR           run only cases whose label contains SUBSTR (repeatable: all)
  --exclude SUBSTR          leave out cases whose label contains SUBSTR (repeatable: any)
  --shard I/N               run the I-th (1..N) of N disjoint sets of the selected cases, whole
                            operators each, balanced by case count: N processes side by side
                            cover the run (each compiles only its operators' pipelines)
  --list                    print the selected cases' labels and exit
  --max-elements N          element cap of --random shapes (1048576)
reports:
  --json FILE               JSON report (device, driver, every case with its metrics)
  --junit FILE              JUnit XML report (testsuite per operator, testcase per case)
  --suite-name NAME         prefix of the JUnit testsuite names (e.g. "lp256")
  --html FILE [A.json ..]   self-contained HTML page (device header, summary, failures with
                            repro commands, operator x dtype x shape grid; with two or more
                            reports what changed against the first, as --compare). Without
                            JSON files: the page of this run
  --quiet | --verbose       no progress line / one line per case on stderr
case options (--case rms_norm | layer_norm | layer_norm_backward):
  --shape AxBx..            rms_norm: N x C x spatial..; layer_norm: leading.. x normalized..
  --dtype f32|f16|bf16      (f32)      --eps E (1e-5)      --seed S (1)
  --data normal|uniform01|large_mean|nan_inf|outlier_first (normal)
  --normalized-rank R       layer_norm*: trailing dims normalized (1)
  --groups G                group_norm: num_groups (default: largest divisor of C <= sqrt(C));
                            qk_norm_rope*: kv heads of (tokens, q + kv heads, head_dim) (heads / 4)
  --activation A            group_norm: none (default) | silu | gelu_tanh after the affine
  --add-bias                add_layer_norm / add_rms_norm*: a D-element bias added to x + residual
  --f32-params              weight / bias in fp32 beside 16-bit x (mixed precision)
  --f32-residual            add_rms_norm*: residual / residual_out in fp32 beside 16-bit x
  --layout buffer|address|misaligned|in_place   tensors by VkBuffer, by device address, at
                            an element-aligned offset, or y = x in place (buffer)
  --no-affine               no weight / bias
  --no-optional-outputs     layer_norm: no mean / rstd; layer_norm_backward: no dweight / dbias;
                            rms_norm_backward: no dweight
  --config CFG              kernel config override, as the reports print it ('wg=256 items=4
                            vec=4 csplit=0 split=2 rows=0 wave=0') or k=v,.. with the long
                            names (workgroup_size, items_per_invocation, vector_width,
                            channel_split, split, rows_per_workgroup, wave_bytes)
  --mismatches K            mismatching elements printed per output (10)
compare options:
  --metric-ratio R          list cases whose nmse / max_abs / max_rel differ by more than a
                            factor R (2; 1 lists every difference)
  --allow-missing           a case passing in A but absent from B is not a new failure
                            (both also apply to --html's "what changed")
exit status: 0 all passed, 1 a case failed (or a validation message, or a new failure in
--compare), 2 usage or device error.
)";
}

namespace {

bool parse_u64(const std::string& s, uint64_t* out) {
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty();
}

bool parse_double(const std::string& s, double* out) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

// The command line being read: the current argument and its value, if it takes one.
class ArgReader {
 public:
  ArgReader(int argc, char** argv) : argc_(argc), argv_(argv) {}
  bool next() { return ++i_ < argc_; }
  const std::string& arg() const { return arg_; }
  void load() { arg_ = argv_[i_]; }
  // The next argument as this option's value; false + "needs a value" when there is none.
  bool value(std::string* v, std::string* error) {
    if (i_ + 1 >= argc_) {
      *error = "option " + arg_ + " needs a value";
      return false;
    }
    *v = argv_[++i_];
    return true;
  }
  // The next two arguments (--compare A B); false when fewer remain.
  bool two_values(std::string* a, std::string* b) {
    if (i_ + 2 >= argc_) return false;
    *a = argv_[++i_];
    *b = argv_[++i_];
    return true;
  }

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
  std::string arg_;
};

// What the options say beyond Options itself; validate() reads it at the end.
struct ParseState {
  bool quick = false, full = false, list = false, shape_given = false;
  std::string case_only_name;  // the last option that needs --case, if any was given
};

// One option parser's answer: not its option, read it, or a usage error (*error set).
enum class Parsed { not_mine, done, help, failed };

void record_command_line(int argc, char** argv, Options* o) {
  for (int i = 0; i < argc; ++i) {
    if (i) o->command_line += ' ';
    o->command_line += argv[i];
  }
}

void set_defaults(Options* o) {
  const std::string env_validation = vknorm_support::env_or("VKNORM_VALIDATION", "");
  if (env_validation == "0") o->validation = false;
  auto& spec = o->single.spec;
  spec.dtype = vknorm::DType::f32;
  spec.eps = 1e-5;
  spec.data = vknorm_support::DataKind::normal;
  spec.affine = true;
  spec.seed = 1;
}

// Device, matrix, run and report options.
Parsed parse_general_option(ArgReader& in, Options* o, ParseState* st, std::string* error) {
  const std::string& a = in.arg();
  std::string v;
  if (a == "-h" || a == "--help") {
    o->mode = Mode::help;
    return Parsed::help;
  } else if (a == "--list-devices") {
    o->mode = Mode::list_devices;
  } else if (a == "--batch-invariance") {
    o->mode = Mode::batch_invariance;
  } else if (a == "--device") {
    if (!in.value(&o->device, error)) return Parsed::failed;
  } else if (a == "--no-validation") {
    o->validation = false;
  } else if (a == "--validation") {
    o->validation = true;
  } else if (a == "--force-shared-reduction") {
    o->force_shared_reduction = true;
  } else if (a == "--virtual-subgroup") {
    std::string n;
    if (!in.value(&n, error)) return Parsed::failed;
    if (n != "64" && n != "128") {
      *error = "--virtual-subgroup takes 64 or 128";
      return Parsed::failed;
    }
    o->virtual_subgroup = static_cast<uint32_t>(std::stoul(n));
  } else if (a == "--limits") {
    if (!in.value(&o->limits, error)) return Parsed::failed;
    vknorm::DeviceLimits l;
    if (vknorm::Error e = vknorm::device_limits_profile(o->limits.c_str(), &l)) {
      *error = "--limits: " + e.message;
      return Parsed::failed;
    }
  } else if (a == "--quick") {
    st->quick = true;
  } else if (a == "--full") {
    st->full = true;
  } else if (a == "--list") {
    st->list = true;
  } else if (a == "--seed") {
    if (!in.value(&v, error)) return Parsed::failed;
    if (!parse_u64(v, &o->seed)) {
      *error = "--seed needs an unsigned integer, got '" + v + "'";
      return Parsed::failed;
    }
    o->seed_given = true;
  } else if (a == "--filter") {
    if (!in.value(&v, error)) return Parsed::failed;
    o->filters.push_back(v);
  } else if (a == "--exclude") {
    if (!in.value(&v, error)) return Parsed::failed;
    o->excludes.push_back(v);
  } else if (a == "--shard") {
    if (!in.value(&v, error)) return Parsed::failed;
    const size_t slash = v.find('/');
    uint64_t i = 0, n = 0;
    if (slash == std::string::npos || !parse_u64(v.substr(0, slash), &i) || !parse_u64(v.substr(slash + 1), &n) ||
        n < 1 || n > 64 || i < 1 || i > n) {
      *error = "--shard needs I/N with 1 <= I <= N <= 64, got '" + v + "'";
      return Parsed::failed;
    }
    o->shard = static_cast<int>(i);
    o->shards = static_cast<int>(n);
  } else if (a == "--random") {
    if (!in.value(&v, error)) return Parsed::failed;
    uint64_t n = 0;
    if (!parse_u64(v, &n) || n == 0 || n > 1000000) {
      *error = "--random needs a count in 1..1000000, got '" + v + "'";
      return Parsed::failed;
    }
    o->random_count = static_cast<int>(n);
    o->mode = Mode::random;
  } else if (a == "--max-elements") {
    if (!in.value(&v, error)) return Parsed::failed;
    uint64_t n = 0;
    if (!parse_u64(v, &n) || n == 0 || n > (1ull << 31)) {
      *error = "--max-elements needs a count in 1..2^31, got '" + v + "'";
      return Parsed::failed;
    }
    o->max_elements = static_cast<int64_t>(n);
  } else if (a == "--json") {
    if (!in.value(&o->json_path, error)) return Parsed::failed;
  } else if (a == "--junit") {
    if (!in.value(&o->junit_path, error)) return Parsed::failed;
  } else if (a == "--suite-name") {
    if (!in.value(&o->suite_name, error)) return Parsed::failed;
  } else if (a == "--html") {
    if (!in.value(&o->html_path, error)) return Parsed::failed;
  } else if (a == "--quiet" || a == "-q") {
    o->quiet = true;
  } else if (a == "--verbose" || a == "-v") {
    o->verbose = true;
  } else {
    return Parsed::not_mine;
  }
  return Parsed::done;
}

// --case and the options that describe its case (all but --case and --mismatches need --case).
Parsed parse_case_option(ArgReader& in, Options* o, ParseState* st, std::string* error) {
  const std::string& a = in.arg();
  auto& spec = o->single.spec;
  std::string v;
  if (a == "--case") {
    if (!in.value(&v, error)) return Parsed::failed;
    spec.op = vknorm_support::find_op_case(v);
    if (!spec.op) {
      *error = "unknown operator '" + v + "' (" + vknorm_support::op_case_names() + ")";
      return Parsed::failed;
    }
    o->mode = Mode::single_case;
    return Parsed::done;
  }
  if (a == "--mismatches") {
    if (!in.value(&v, error)) return Parsed::failed;
    uint64_t n = 0;
    if (!parse_u64(v, &n) || n > 1000) {
      *error = "bad --mismatches '" + v + "'";
      return Parsed::failed;
    }
    o->max_mismatches = static_cast<int>(n);
    return Parsed::done;
  }
  static const char* const kCaseOnly[] = {"--shape", "--dtype", "--eps", "--data",
                                          "--normalized-rank", "--layout", "--by-address",
                                          "--no-affine", "--no-optional-outputs", "--config",
                                          "--groups", "--activation", "--add-bias", "--f32-params",
                                          "--f32-residual"};
  bool case_only = false;
  for (const char* name : kCaseOnly) case_only = case_only || a == name;
  if (!case_only) return Parsed::not_mine;
  st->case_only_name = a;
  if (a == "--shape") {
    if (!in.value(&v, error)) return Parsed::failed;
    if (!vknorm_support::parse_shape(v, &spec.shape)) {
      *error = "bad --shape '" + v + "' (expected e.g. 3x65535, at most 8 dims)";
      return Parsed::failed;
    }
    st->shape_given = true;
  } else if (a == "--dtype") {
    if (!in.value(&v, error)) return Parsed::failed;
    if (!vknorm_support::parse_dtype(v, &spec.dtype)) {
      *error = "unknown dtype '" + v + "' (f32, f16, bf16)";
      return Parsed::failed;
    }
  } else if (a == "--eps") {
    if (!in.value(&v, error)) return Parsed::failed;
    if (!parse_double(v, &spec.eps)) {
      *error = "bad --eps '" + v + "'";
      return Parsed::failed;
    }
  } else if (a == "--data") {
    if (!in.value(&v, error)) return Parsed::failed;
    if (!vknorm_support::parse_data_kind(v, &spec.data)) {
      *error = "unknown data kind '" + v + "' (normal, uniform01, large_mean, nan_inf, outlier_first)";
      return Parsed::failed;
    }
  } else if (a == "--normalized-rank") {
    if (!in.value(&v, error)) return Parsed::failed;
    uint64_t n = 0;
    if (!parse_u64(v, &n) || n < 1 || n > static_cast<uint64_t>(vknorm::kMaxRank)) {
      *error = "bad --normalized-rank '" + v + "'";
      return Parsed::failed;
    }
    spec.normalized_rank = static_cast<int>(n);
  } else if (a == "--groups") {
    if (!in.value(&v, error)) return Parsed::failed;
    uint64_t n = 0;
    if (!parse_u64(v, &n) || n < 1 || n > (uint64_t(1) << 31)) {
      *error = "bad --groups '" + v + "'";
      return Parsed::failed;
    }
    spec.groups = static_cast<int64_t>(n);
  } else if (a == "--add-bias") {
    spec.add_bias = true;
  } else if (a == "--f32-params") {
    spec.f32_params = true;
  } else if (a == "--f32-residual") {
    spec.f32_residual = true;
  } else if (a == "--activation") {
    if (!in.value(&v, error)) return Parsed::failed;
    if (!vknorm_support::parse_activation(v, &spec.activation)) {
      *error = "bad --activation '" + v + "' (none, silu, gelu_tanh)";
      return Parsed::failed;
    }
  } else if (a == "--layout") {
    if (!in.value(&v, error)) return Parsed::failed;
    if (!parse_layout(v, &o->single.layout)) {
      *error = "unknown layout '" + v + "' (buffer, address, misaligned, in_place)";
      return Parsed::failed;
    }
  } else if (a == "--by-address") {
    o->single.layout = Layout::address;
  } else if (a == "--no-affine") {
    spec.affine = false;
  } else if (a == "--no-optional-outputs") {
    spec.optional_outputs = false;
  } else if (a == "--config") {
    if (!in.value(&v, error)) return Parsed::failed;
    if (const vknorm::Error e = vknorm::parse_config(v, &o->single.config)) {
      *error = "bad --config: " + e.message;
      return Parsed::failed;
    }
    o->single.has_config = true;
  }
  return Parsed::done;
}

// --compare A B and the options that tune it.
Parsed parse_compare_option(ArgReader& in, Options* o, std::string* error) {
  const std::string& a = in.arg();
  std::string v;
  if (a == "--compare") {
    if (!in.two_values(&o->compare_a, &o->compare_b)) {
      *error = "--compare needs two JSON reports: --compare A.json B.json";
      return Parsed::failed;
    }
    o->mode = Mode::compare;
  } else if (a == "--metric-ratio") {
    if (!in.value(&v, error)) return Parsed::failed;
    if (!parse_double(v, &o->metric_ratio) || o->metric_ratio < 1) {
      *error = "--metric-ratio needs a number >= 1";
      return Parsed::failed;
    }
  } else if (a == "--allow-missing") {
    o->allow_missing = true;
  } else {
    return Parsed::not_mine;
  }
  return Parsed::done;
}

// A --case run: the shape it needs, checked against the operator.
bool validate_single_case(const ParseState& st, Options* o, std::string* error) {
  auto& spec = o->single.spec;
  if (!st.shape_given) {
    *error = "--case needs --shape";
    return false;
  }
  spec.seed = o->seed;
  const int rank = static_cast<int>(spec.shape.size());
  if (rank < spec.op->min_rank() || rank > spec.op->max_rank()) {
    *error = std::string(spec.op->name()) + " needs a shape of rank " + std::to_string(spec.op->min_rank()) +
             (spec.op->max_rank() > spec.op->min_rank() ? " to " + std::to_string(spec.op->max_rank()) : "") + " (" +
             spec.op->shape_help() + ")";
    return false;
  }
  if (!spec.op->uses_normalized_rank()) {
    spec.normalized_rank = 1;
  } else if (spec.normalized_rank > rank) {
    *error = "--normalized-rank exceeds the rank of --shape";
    return false;
  }
  return true;
}

// --html OUT with JSON files renders them (Mode::html); without, it renders the run's report.
bool validate_html(Options* o, std::string* error) {
  if (o->html_inputs.empty()) {
    if (!o->html_path.empty() && o->mode != Mode::matrix && o->mode != Mode::random &&
        o->mode != Mode::single_case) {
      *error = "--html needs JSON reports (--html OUT.html A.json [B.json ..]) or a run";
      return false;
    }
    return true;
  }
  if (o->html_path.empty()) {
    *error = "unexpected argument '" + o->html_inputs.front() + "' (JSON reports follow --html OUT.html)";
    return false;
  }
  if (o->mode != Mode::matrix || !o->json_path.empty() || !o->junit_path.empty() || !o->filters.empty() ||
      !o->excludes.empty()) {
    *error = "--html OUT.html A.json .. renders existing reports: it takes no run, --json, --junit, --filter or --exclude";
    return false;
  }
  o->mode = Mode::html;
  return true;
}

// The combinations: options that exclude or need each other, and the final mode.
bool validate(const ParseState& st, Options* o, std::string* error) {
  if (st.quick && st.full) {
    *error = "--quick and --full exclude each other";
    return false;
  }
  o->matrix = st.quick ? MatrixSize::quick : st.full ? MatrixSize::full : MatrixSize::standard;
  if (o->mode == Mode::single_case) {
    if (!validate_single_case(st, o, error)) return false;
  } else if (!st.case_only_name.empty()) {
    *error = "option " + st.case_only_name + " needs --case";
    return false;
  }
  if (o->shards > 0 && o->mode != Mode::matrix && o->mode != Mode::random) {
    *error = "--shard applies to the matrix and --random";
    return false;
  }
  if (st.list) {
    if (o->mode != Mode::matrix && o->mode != Mode::random) {
      *error = "--list applies to the matrix and --random";
      return false;
    }
    o->mode = Mode::list_cases;  // of the random run when random_count > 0
  }
  if (o->quiet && o->verbose) o->verbose = false;
  return validate_html(o, error);
}

}  // namespace

bool parse_options(int argc, char** argv, Options* o, std::string* error) {
  record_command_line(argc, argv, o);
  set_defaults(o);
  ParseState st;
  ArgReader in(argc, argv);
  while (in.next()) {
    in.load();
    Parsed p = parse_general_option(in, o, &st, error);
    if (p == Parsed::not_mine) p = parse_case_option(in, o, &st, error);
    if (p == Parsed::not_mine) p = parse_compare_option(in, o, error);
    if (p == Parsed::help) return true;
    if (p == Parsed::failed) return false;
    if (p == Parsed::not_mine && !in.arg().empty() && in.arg()[0] != '-') {
      o->html_inputs.push_back(in.arg());  // a JSON report for --html (validate checks)
      continue;
    }
    if (p == Parsed::not_mine) {
      *error = "unknown argument '" + in.arg() + "'";
      return false;
    }
  }
  return validate(st, o, error);
}

}  // namespace vknorm_check
