// The config of a call: the caller's, else a tuning-cache entry for its case class, else the
// op's default from the device-class tables (fill_config); then checked against the device.
#pragma once

#include "context.h"
#include "selector.h"

#include <vknorm/vknorm.h>

namespace vknorm::detail {

Error choose_config(Context* ctx, const Problem& p, const KernelConfig* override_cfg,
                    KernelConfig* out);

}  // namespace vknorm::detail
