// The config of a call: the caller's, else a tuning-cache entry for its case class, else the
// op's default from the device-class tables; then checked against the device.
#include "config.h"

#include "selector.h"

namespace vknorm::detail {

Error choose_config(Context* ctx, const Problem& p, const KernelConfig* override_cfg,
                    KernelConfig* out) {
  KernelConfig c;
  if (override_cfg) {
    c = *override_cfg;
    c.source = "caller";
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
