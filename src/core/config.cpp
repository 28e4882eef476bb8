// The config of a call: the caller's, else a tuning-cache entry for its case class, else the
// op's default from the device-class tables; then checked against the device.
#include "config.h"

#include "op_spec.h"
#include "selector.h"

namespace vknorm::detail {

// The batch every batch-invariant config is chosen for: large enough that the selector's
// rules take their many-rows branch (rows fill the device) on any GPU.
constexpr uint64_t kBatchInvariantRows = uint64_t(1) << 16;

Error choose_config(Context* ctx, const Problem& p, const KernelConfig* override_cfg,
                    KernelConfig* out) {
  KernelConfig c;
  if (override_cfg) {
    c = *override_cfg;
    c.source = "caller";
  } else if (ctx->info.batch_invariant) {
    // Every config from the row's own shape: the batch (outer) is replaced by one large count,
    // so the rows of every batch size run the same kernels in the same order.
    // Fields that only outputs promised no invariance depend on (OpSpec::batch_invariant_fields)
    // keep the real batch's default.
    Problem rows_only = p;
    rows_only.outer = kBatchInvariantRows;
    KernelConfig large;
    fill_config(ctx->profile, rows_only, &large);
    const OpSpec* spec = find_op_spec(p.op);
    if (spec && spec->batch_invariant_fields) {
      spec->batch_invariant_fields(large, &c);
      c.source = large.source;
    } else {
      c = large;
    }
    c.source += " batch_invariant";  // the fill below keeps it, and sets p's case class
  } else if (const KernelConfig* tuned = ctx->tuning.find(uuid_hex(ctx->profile.uuid),
                                                          ctx->profile.driver_version, case_class(ctx->profile, p))) {
    c = *tuned;
    c.source = "tuned";
    fill_config(ctx->profile, p, &c);
    if (!config_problem(ctx->profile, p, c).empty()) c = KernelConfig{};  // stale entry: use tables
  }
  fill_config(ctx->profile, p, &c);
  const std::string why = config_problem(ctx->profile, p, c);
  if (!why.empty()) return make_error(Status::invalid_argument, "config: " + why);
  *out = c;
  return ok();
}

}  // namespace vknorm::detail
