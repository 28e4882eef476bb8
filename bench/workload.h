// One benchmark case on the device: its buffers, inputs, vknorm arguments and recording.
//
// Inputs are periodic: a seeded block of P values (P odd, about a million) is uploaded once
// and replicated on the GPU by buffer copies, so that multi-GiB tensors fill in seconds and
// the host can recompute any input element (value(i) = block[i % P]) for the error check.
#pragma once

#include "arena.h"
#include "cases.h"
#include "support/host_device.h"

#include <vknorm/vknorm.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace vknorm_bench {

// Bytes per arena slot that the case needs (what Arena::reserve is given before a run).
std::vector<std::pair<Slot, uint64_t>> slot_bytes(const BenchCase& c);

// Values of a periodic input tensor (already rounded to the storage dtype).
struct Pattern {
  std::vector<double> block;
  double at(uint64_t i) const { return block[i % block.size()]; }
};

struct WorkloadOptions {
  bool by_address = false;  // bind tensors by device address instead of VkBuffer
  uint64_t seed = 1;
  bool fill_inputs = true;  // false: allocate only (for select_config / describe checks)
  // Where the tensors live (see arena.h). nullptr: the workload makes a private arena.
  Arena* arena = nullptr;
};

class Workload {
 public:
  // Allocates and fills every tensor. Returns nullptr with *error on failure; *out_of_memory
  // tells whether an allocation failed (the caller may retry with a smaller shape).
  static std::unique_ptr<Workload> create(vknorm_support::HostDevice& device, const BenchCase& c,
                                          const WorkloadOptions& options, std::string* error,
                                          bool* out_of_memory);
  ~Workload();
  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  const BenchCase& bench_case() const { return case_; }
  // The op cases recorded, in order (a composite has several).
  const std::vector<const vknorm_support::OpCase*>& parts() const { return parts_; }

  // Config override per part (nullptr: the selector's choice). The pointer must stay valid.
  void set_config(size_t part, const vknorm::KernelConfig* config);
  // Creates pipelines and grows the scratch buffer for the current configs.
  vknorm::Error prepare();
  // Records the case: its parts in order, with a compute barrier between them.
  vknorm::Error record(VkCommandBuffer cmd);
  vknorm::Error select(std::vector<vknorm::KernelConfig>* configs);  // one per part
  vknorm::Error describe(std::vector<vknorm::DispatchInfo>* dispatches);  // all parts

  // For the error check: periodic inputs ("x", "dy") and parameters ("weight", "bias") by
  // role (an empty pattern / vector where the case has none).
  const Pattern& pattern(const std::string& role) const;
  const std::vector<double>& param(const std::string& role) const;
  // The buffer of a role (buffer == VK_NULL_HANDLE where the case has none).
  const vknorm_support::Buffer& buffer(const std::string& role) const;
  bool fills_skipped() const { return fills_skipped_; }
  vknorm_support::HostDevice& device() const { return dev_; }

 private:
  Workload(vknorm_support::HostDevice& device, const BenchCase& c, const WorkloadOptions& o);
  bool allocate(std::string* error, bool* out_of_memory);
  bool fill_inputs(std::string* error);
  bool fill_periodic(Slot slot, const vknorm_support::Buffer& b, const Pattern& p, uint64_t tag, vknorm::DType dtype,
                     std::string* error);
  vknorm::Tensor tensor(const vknorm_support::Buffer& b, vknorm::DType dt,
                        const std::vector<int64_t>& shape) const;
  vknorm::Tensor view(const std::string& role) const;
  void build_args();
  vknorm::Error grow_scratch();

  vknorm_support::HostDevice& dev_;
  std::unique_ptr<Arena> own_arena_;
  Arena* arena_ = nullptr;
  BenchCase case_;
  WorkloadOptions options_;
  std::vector<const vknorm_support::OpCase*> parts_;
  std::vector<const vknorm_support::OpCase*> setups_;  // per part, nullptr: none
  std::vector<vknorm_support::BenchTensor> tensors_;
  std::vector<const vknorm::KernelConfig*> configs_;
  std::map<std::string, Pattern> patterns_;
  std::map<std::string, std::vector<double>> params_;
  std::map<std::string, vknorm_support::Buffer> buf_;
  vknorm_support::Buffer scratch_;
  bool fills_skipped_ = false;
  std::vector<std::unique_ptr<vknorm_support::BoundOp>> calls_;   // per part
  std::vector<std::unique_ptr<vknorm_support::BoundOp>> setup_calls_;  // per part, or null
};

}  // namespace vknorm_bench
