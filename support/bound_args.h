// One BoundOp for every operator: the op's Args bound to the overloaded verbs of vknorm.h
// (scratch_size, prepare, select_config, record, describe_dispatches), so that an op case
// binds its tensors and scalars and hands the Args over (make_bound) without writing the calls.
#pragma once

#include "support/op_registry.h"

#include <vknorm/vknorm.h>

#include <memory>
#include <type_traits>
#include <utility>

namespace vknorm_support {

// Whether Args has a scratch tensor (ops without one use the context's own).
template <class Args, class = void>
struct args_take_scratch : std::false_type {};
template <class Args>
struct args_take_scratch<Args, std::void_t<decltype(std::declval<Args&>().scratch)>> : std::true_type {};

template <class Args>
class BoundArgs : public BoundOp {
 public:
  explicit BoundArgs(const Args& a) : a_(a) {}
  vknorm::Error scratch_size(vknorm::Context* ctx, VkDeviceSize* bytes) const override {
    return vknorm::scratch_size(ctx, a_, bytes);
  }
  bool takes_scratch() const override { return args_take_scratch<Args>::value; }
  void set_scratch(const vknorm::Tensor& s) override {
    if constexpr (args_take_scratch<Args>::value) a_.scratch = s;
    else (void)s;
  }
  void set_config(const vknorm::KernelConfig* c) override { a_.config = c; }
  vknorm::Error prepare(vknorm::Context* ctx) const override { return vknorm::prepare(ctx, a_); }
  vknorm::Error select(vknorm::Context* ctx, vknorm::KernelConfig* out) const override {
    return vknorm::select_config(ctx, a_, out);
  }
  vknorm::Error record(vknorm::Context* ctx, VkCommandBuffer cmd) const override {
    return vknorm::record(ctx, cmd, a_);
  }
  vknorm::Error describe(vknorm::Context* ctx, std::vector<vknorm::DispatchInfo>* out) const override {
    return vknorm::describe_dispatches(ctx, a_, out);
  }

 private:
  Args a_;
};

template <class Args>
std::unique_ptr<BoundOp> make_bound(const Args& a) {
  return std::make_unique<BoundArgs<Args>>(a);
}

}  // namespace vknorm_support
