// The operator registry: every OpSpec the library offers, found by Op id (core/op_spec.h).
// An explicit list rather than self-registration, so that static-library links keep every op.
#include "core/op_spec.h"

namespace vknorm::detail {

extern const OpSpec kRmsNormSpec;
extern const OpSpec kLayerNormSpec;
extern const OpSpec kLayerNormBackwardSpec;
extern const OpSpec kRmsNormLastSpec;
extern const OpSpec kAddRmsNormSpec;
extern const OpSpec kRmsNormBackwardSpec;
extern const OpSpec kAddLayerNormSpec;
extern const OpSpec kLpNormSpec;
extern const OpSpec kBatchNormSpec;
extern const OpSpec kGroupNormSpec;
extern const OpSpec kInstanceNormSpec;
extern const OpSpec kFrobeniusNormSpec;
extern const OpSpec kAdaNormSpec;
extern const OpSpec kGatedRmsNormSpec;
extern const OpSpec kQkNormRopeSpec;

const OpSpec* find_op_spec(Op op) {
  static const OpSpec* const kSpecs[] = {&kRmsNormSpec,     &kLayerNormSpec,  &kLayerNormBackwardSpec,
                                         &kRmsNormLastSpec, &kAddRmsNormSpec, &kRmsNormBackwardSpec,
                                         &kAddLayerNormSpec, &kLpNormSpec, &kBatchNormSpec,
                                         &kGroupNormSpec,   &kInstanceNormSpec, &kFrobeniusNormSpec,
                                         &kAdaNormSpec,     &kGatedRmsNormSpec, &kQkNormRopeSpec};
  for (const OpSpec* s : kSpecs)
    if (s->op == op) return s;
  return nullptr;
}

}  // namespace vknorm::detail
