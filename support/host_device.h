// Host-side Vulkan harness shared by the tests, vknorm-bench and vknorm-check (not part of the
// library): creates an instance and device the way an engine would, picks the device named by
// VKNORM_DEVICE, counts validation-layer messages, owns buffers and submits command buffers.
#pragma once

#include <vknorm/vknorm.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace vknorm_support {

struct HostOptions {
  // Enable VK_LAYER_KHRONOS_validation (when installed). Default: on unless the environment
  // variable VKNORM_VALIDATION is "0".
  bool validation = true;
  // With validation: also the layer's synchronization validation (hazards between dispatches,
  // copies and barriers) and GPU-assisted validation (out-of-bounds descriptor and buffer
  // device address accesses, checked by instrumented shaders). Also turned on by
  // VKNORM_VALIDATION=sync / gpu / sync,gpu.
  bool sync_validation = false;
  bool gpu_assisted_validation = false;
  // Index ("1") or case-insensitive name substring ("llvmpipe"); empty: read VKNORM_DEVICE;
  // still empty: the first discrete/integrated GPU, else the first device.
  std::string device_selector;
  bool force_shared_memory_reduction = false;  // also set by VKNORM_FORCE_SHARED_REDUCTION=1
  // A DeviceLimits profile ("mobile", "integrated"; vknorm::device_limits_profile) the context
  // plans within; empty: $VKNORM_LIMITS, else the device's own limits.
  std::string limits_profile;
  // Explicit limits (read during create), before limits_profile and $VKNORM_LIMITS.
  const vknorm::DeviceLimits* limits = nullptr;
  bool batch_invariant = false;  // ContextCreateInfo::batch_invariant
  // ContextCreateInfo::virtual_subgroup_size (64 / 128); 0: $VKNORM_VIRTUAL_SUBGROUP, else none.
  uint32_t virtual_subgroup_size = 0;
  VkDeviceSize context_scratch_bytes = 0;
  std::string tuning_cache_path;  // passed to the context if non-empty
  bool enable_timestamps = true;  // picks a queue family with timestampValidBits > 0
  // Also enable vknorm's optional profiling / tuning extensions and features
  // (DeviceRequirements::optional_extensions): vknorm-bench wants pipeline statistics.
  bool enable_profiling_extensions = false;
};

struct DeviceListing {
  uint32_t index = 0;
  std::string name;
  VkPhysicalDeviceProperties properties{};
  std::string driver_name, driver_info;  // VkPhysicalDeviceDriverProperties, if available
  uint32_t driver_id = 0;
  // What a context on the device would report (vknorm::query_device_info): subgroups, limits;
  // info.enabled = the vknorm-relevant features the device supports.
  vknorm::DeviceInfo info;
};

struct Buffer {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize size = 0;
  VkDeviceAddress address = 0;  // 0 unless the device has bufferDeviceAddress
  void* mapped = nullptr;       // non-null when host visible
  bool device_local = false;
};

class HostDevice {
 public:
  // Returns nullptr and sets *error when no device can be created.
  static std::unique_ptr<HostDevice> create(const HostOptions& options, std::string* error);
  static std::vector<DeviceListing> list_devices(std::string* error);
  ~HostDevice();
  HostDevice(const HostDevice&) = delete;
  HostDevice& operator=(const HostDevice&) = delete;

  VkInstance instance() const;
  VkPhysicalDevice physical_device() const;
  VkDevice device() const;
  VkQueue queue() const;
  uint32_t queue_family() const;
  vknorm::Context* context() const;
  const vknorm::DeviceInfo& info() const;
  const VkPhysicalDeviceProperties& properties() const;
  uint32_t timestamp_valid_bits() const;  // of the chosen queue family
  VkDeviceSize device_local_heap_bytes() const;  // largest device-local heap

  // Buffers usable as storage buffers, transfer src/dst and (when supported) by address.
  // host_visible: mapped, coherent memory (on discrete GPUs slower; used for staging/tests).
  // Returns a Buffer with buffer == VK_NULL_HANDLE and sets *error on failure.
  Buffer create_buffer(VkDeviceSize size, bool host_visible, std::string* error = nullptr);
  void destroy_buffer(Buffer& b);
  // Copy through a staging buffer when the target is not host visible.
  void upload(const Buffer& dst, const void* data, VkDeviceSize bytes, VkDeviceSize offset = 0);
  void download(const Buffer& src, void* data, VkDeviceSize bytes, VkDeviceSize offset = 0);
  void fill(const Buffer& dst, uint32_t word, VkDeviceSize offset = 0,
            VkDeviceSize bytes = VK_WHOLE_SIZE);

  // Records `body` into a fresh primary command buffer, submits it and waits. Returns the
  // VkResult of the submission/wait (VK_SUCCESS normally).
  VkResult run(const std::function<void(VkCommandBuffer)>& body);

  // Timestamp helpers for benchmarks (query pool owned by the HostDevice).
  // write_timestamp records vkCmdWriteTimestamp(ALL_COMMANDS or COMPUTE) at slot `i`;
  // read_timestamps_ns returns (t[i] - t[0]) style raw values converted to ns, masked to
  // timestampValidBits.
  void reset_timestamps(VkCommandBuffer cmd, uint32_t count);
  void write_timestamp(VkCommandBuffer cmd, uint32_t slot);
  std::vector<double> read_timestamps_ns(uint32_t count);

  // Global COMPUTE|TRANSFER -> COMPUTE|TRANSFER memory barrier (reads and writes).
  void full_barrier(VkCommandBuffer cmd) const;

  // Validation messages (errors and warnings) seen since creation / since the last clear.
  size_t validation_message_count() const;
  std::vector<std::string> validation_messages() const;
  void clear_validation_messages();
  bool validation_enabled() const;
  // "off", "on", "on + synchronization", "on + GPU-assisted", ...
  std::string validation_description() const;

  struct Impl;

 private:
  explicit HostDevice(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Reads VKNORM_DEVICE etc. Exposed for tools that print what they use.
std::string env_or(const char* name, const std::string& fallback);

}  // namespace vknorm_support
