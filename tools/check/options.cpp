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
       vknorm-check --case OP --shape AxBx.. [case options]   run one case, show mismatches
       vknorm-check --random N [--seed S]        N random shapes (ranks 1-5, dims 1-5000)
       vknorm-check --compare A.json B.json      cases whose status or error differ

device and run:
  --device SEL              device index or name substring (default: $VKNORM_DEVICE, else
                            the first GPU)
  --no-validation           disable the validation layer (also VKNORM_VALIDATION=0)
  --force-shared-reduction  use the shared-memory reduction fallback (no subgroup ops)
  --quick | --full          smaller / bigger matrix (default: the CI matrix)
  --seed S                  base seed of the matrix, seed of --random, or of --case (1)
  --filter SUBSTR           run only cases whose label contains SUBSTR (repeatable: all)
  --list                    print the selected cases' labels and exit
  --max-elements N          element cap of --random shapes (1048576)
reports:
  --json FILE               JSON report (device, driver, every case with its metrics)
  --junit FILE              JUnit XML report (testsuite per operator, testcase per case)
  --suite-name NAME         prefix of the JUnit testsuite names (e.g. "lp256")
  --quiet | --verbose       no progress line / one line per case on stderr
case options (--case rms_norm | layer_norm | layer_norm_backward | rms_norm_backward):
  --shape AxBx..            rms_norm: N x C x spatial..; layer_norm: leading.. x normalized..
  --dtype f32|f16|bf16      (f32)      --eps E (1e-5)      --seed S (1)
  --data normal|uniform01|large_mean|nan_inf|outlier_first (normal)
  --normalized-rank R       layer_norm*: trailing dims normalized (1)
  --layout buffer|address|misaligned|in_place   tensors by VkBuffer, by device address, at
                            an element-aligned offset, or y = x in place (buffer)
  --no-affine               no weight / bias
  --no-optional-outputs     layer_norm: no mean / rstd; layer_norm_backward: no dweight / dbias;
                            rms_norm_backward: no dweight
  --config k=v,..           kernel config override (workgroup_size, items_per_invocation,
                            vector_width, channel_split, split, rows_per_workgroup, wave_bytes)
  --mismatches K            mismatching elements printed per output (10)
compare options:
  --metric-ratio R          list cases whose nmse / max_abs / max_rel differ by more than a
                            factor R (2; 1 lists every difference)
  --allow-missing           a case passing in A but absent from B is not a new failure
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

}  // namespace

bool parse_options(int argc, char** argv, Options* o, std::string* error) {
  for (int i = 0; i < argc; ++i) {
    if (i) o->command_line += ' ';
    o->command_line += argv[i];
  }
  const std::string env_validation = vknorm_support::env_or("VKNORM_VALIDATION", "");
  if (env_validation == "0") o->validation = false;

  bool quick = false, full = false, list = false, shape_given = false;
  bool case_only_given = false;
  std::string case_only_name;
  auto& spec = o->single.spec;
  spec.dtype = vknorm::DType::f32;
  spec.eps = 1e-5;
  spec.data = vknorm_support::DataKind::normal;
  spec.affine = true;
  spec.seed = 1;

  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= argc) {
        *error = "option " + a + " needs a value";
        return false;
      }
      *v = argv[++i];
      return true;
    };
    auto case_opt = [&]() {
      case_only_given = true;
      case_only_name = a;
    };
    std::string v;
    if (a == "-h" || a == "--help") {
      o->mode = Mode::help;
      return true;
    } else if (a == "--list-devices") {
      o->mode = Mode::list_devices;
    } else if (a == "--device") {
      if (!value(&o->device)) return false;
    } else if (a == "--no-validation") {
      o->validation = false;
    } else if (a == "--validation") {
      o->validation = true;
    } else if (a == "--force-shared-reduction") {
      o->force_shared_reduction = true;
    } else if (a == "--quick") {
      quick = true;
    } else if (a == "--full") {
      full = true;
    } else if (a == "--list") {
      list = true;
    } else if (a == "--seed") {
      if (!value(&v)) return false;
      if (!parse_u64(v, &o->seed)) {
        *error = "--seed needs an unsigned integer, got '" + v + "'";
        return false;
      }
      o->seed_given = true;
    } else if (a == "--filter") {
      if (!value(&v)) return false;
      o->filters.push_back(v);
    } else if (a == "--random") {
      if (!value(&v)) return false;
      uint64_t n = 0;
      if (!parse_u64(v, &n) || n == 0 || n > 1000000) {
        *error = "--random needs a count in 1..1000000, got '" + v + "'";
        return false;
      }
      o->random_count = static_cast<int>(n);
      o->mode = Mode::random;
    } else if (a == "--max-elements") {
      if (!value(&v)) return false;
      uint64_t n = 0;
      if (!parse_u64(v, &n) || n == 0 || n > (1ull << 31)) {
        *error = "--max-elements needs a count in 1..2^31, got '" + v + "'";
        return false;
      }
      o->max_elements = static_cast<int64_t>(n);
    } else if (a == "--json") {
      if (!value(&o->json_path)) return false;
    } else if (a == "--junit") {
      if (!value(&o->junit_path)) return false;
    } else if (a == "--suite-name") {
      if (!value(&o->suite_name)) return false;
    } else if (a == "--quiet" || a == "-q") {
      o->quiet = true;
    } else if (a == "--verbose" || a == "-v") {
      o->verbose = true;
    } else if (a == "--case") {
      if (!value(&v)) return false;
      spec.op = vknorm_support::find_op_case(v);
      if (!spec.op) {
        *error = "unknown operator '" + v + "' (" + vknorm_support::op_case_names() + ")";
        return false;
      }
      o->mode = Mode::single_case;
    } else if (a == "--shape") {
      case_opt();
      if (!value(&v)) return false;
      if (!vknorm_support::parse_shape(v, &spec.shape)) {
        *error = "bad --shape '" + v + "' (expected e.g. 3x65535, at most 8 dims)";
        return false;
      }
      shape_given = true;
    } else if (a == "--dtype") {
      case_opt();
      if (!value(&v)) return false;
      if (!vknorm_support::parse_dtype(v, &spec.dtype)) {
        *error = "unknown dtype '" + v + "' (f32, f16, bf16)";
        return false;
      }
    } else if (a == "--eps") {
      case_opt();
      if (!value(&v)) return false;
      if (!parse_double(v, &spec.eps)) {
        *error = "bad --eps '" + v + "'";
        return false;
      }
    } else if (a == "--data") {
      case_opt();
      if (!value(&v)) return false;
      if (!vknorm_support::parse_data_kind(v, &spec.data)) {
        *error = "unknown data kind '" + v + "' (normal, uniform01, large_mean, nan_inf, outlier_first)";
        return false;
      }
    } else if (a == "--normalized-rank") {
      case_opt();
      if (!value(&v)) return false;
      uint64_t n = 0;
      if (!parse_u64(v, &n) || n < 1 || n > static_cast<uint64_t>(vknorm::kMaxRank)) {
        *error = "bad --normalized-rank '" + v + "'";
        return false;
      }
      spec.normalized_rank = static_cast<int>(n);
    } else if (a == "--layout") {
      case_opt();
      if (!value(&v)) return false;
      if (!parse_layout(v, &o->single.layout)) {
        *error = "unknown layout '" + v + "' (buffer, address, misaligned, in_place)";
        return false;
      }
    } else if (a == "--by-address") {
      case_opt();
      o->single.layout = Layout::address;
    } else if (a == "--no-affine") {
      case_opt();
      spec.affine = false;
    } else if (a == "--no-optional-outputs") {
      case_opt();
      spec.optional_outputs = false;
    } else if (a == "--config") {
      case_opt();
      if (!value(&v)) return false;
      if (!parse_config(v, &o->single.config, error)) return false;
      o->single.has_config = true;
    } else if (a == "--mismatches") {
      if (!value(&v)) return false;
      uint64_t n = 0;
      if (!parse_u64(v, &n) || n > 1000) {
        *error = "bad --mismatches '" + v + "'";
        return false;
      }
      o->max_mismatches = static_cast<int>(n);
    } else if (a == "--compare") {
      if (i + 2 >= argc) {
        *error = "--compare needs two JSON reports: --compare A.json B.json";
        return false;
      }
      o->compare_a = argv[++i];
      o->compare_b = argv[++i];
      o->mode = Mode::compare;
    } else if (a == "--metric-ratio") {
      if (!value(&v)) return false;
      if (!parse_double(v, &o->metric_ratio) || o->metric_ratio < 1) {
        *error = "--metric-ratio needs a number >= 1";
        return false;
      }
    } else if (a == "--allow-missing") {
      o->allow_missing = true;
    } else {
      *error = "unknown argument '" + a + "'";
      return false;
    }
  }

  if (quick && full) {
    *error = "--quick and --full exclude each other";
    return false;
  }
  o->matrix = quick ? MatrixSize::quick : full ? MatrixSize::full : MatrixSize::standard;
  if (o->mode == Mode::single_case) {
    if (!shape_given) {
      *error = "--case needs --shape";
      return false;
    }
    spec.seed = o->seed;
    const int rank = static_cast<int>(spec.shape.size());
    if (rank < spec.op->min_rank()) {
      *error = std::string(spec.op->name()) + " needs a shape of rank >= " +
               std::to_string(spec.op->min_rank()) + " (" + spec.op->shape_help() + ")";
      return false;
    }
    if (!spec.op->uses_normalized_rank()) {
      spec.normalized_rank = 1;
    } else if (spec.normalized_rank > rank) {
      *error = "--normalized-rank exceeds the rank of --shape";
      return false;
    }
  } else if (case_only_given) {
    *error = "option " + case_only_name + " needs --case";
    return false;
  }
  if (list) {
    if (o->mode != Mode::matrix && o->mode != Mode::random) {
      *error = "--list applies to the matrix and --random";
      return false;
    }
    o->mode = Mode::list_cases;  // of the random run when random_count > 0
  }
  if (o->quiet && o->verbose) o->verbose = false;
  return true;
}

}  // namespace vknorm_check
