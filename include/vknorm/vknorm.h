// vknorm: Vulkan compute kernels for normalization layers.
//
// The library borrows the engine's Vulkan objects and records dispatches into the engine's
// command buffers. It never submits, waits, or allocates while recording.
//
// Integration, in short:
//
//   vknorm::DeviceRequirements req = vknorm::query_device_requirements(instance, phys, gipa);
//   // ...enable req.extensions and the feature flags req asks for when creating the VkDevice...
//   vknorm::ContextCreateInfo ci{};
//   ci.instance = instance; ci.physical_device = phys; ci.device = device;
//   ci.get_instance_proc_addr = vkGetInstanceProcAddr;   // or volk's, or the loader's
//   ci.enabled = req.enabled_subset();                     // what was really enabled
//   vknorm::Context* ctx = nullptr;
//   vknorm::Error err = vknorm::create_context(ci, &ctx);
//   if (!err.ok()) { ...err.message... }
//   vknorm::Tensor x = vknorm::Tensor::contiguous(buf, 0, size, vknorm::DType::f32, {N, C, H, W});
//   vknorm::Tensor y = ...;
//   vknorm::RmsNormArgs a{}; a.x = x; a.y = y; a.eps = 1e-5f;
//   err = vknorm::record_rms_norm(ctx, cmd, a);          // appends dispatches to cmd
//   ...engine submits cmd...
//   vknorm::destroy_context(ctx);
//
// Synchronization contract (every record_* call):
//   Before: the caller makes every input tensor's contents visible to compute-shader storage
//     reads (VK_PIPELINE_STAGE_2_COMPUTE_SHADER_BIT / VK_ACCESS_2_SHADER_STORAGE_READ_BIT), and
//     makes earlier accesses to the outputs and the scratch buffer available (write-after-read
//     and write-after-write hazards are the caller's).
//   Inside: between its own dependent dispatches the library records a global memory barrier
//     COMPUTE_SHADER/SHADER_WRITE -> COMPUTE_SHADER/SHADER_READ|SHADER_WRITE (vkCmdPipelineBarrier).
//     No other barrier, no transfer command, no render-pass or query command is recorded.
//   After: outputs (and scratch) have been written by compute-shader storage writes; the caller
//     records the barrier its next consumer needs (e.g. COMPUTE_SHADER/SHADER_WRITE -> ...).
//   The call leaves the command buffer's compute pipeline and push-constant state changed; the
//   caller rebinds its own before its next dispatch. Descriptor sets bound by the caller at set 0
//   of the compute bind point are disturbed in descriptor mode (push descriptors use set 0).
//
// Thread safety: a Context may be used from several threads at once (pipeline creation is
// guarded by a mutex); the command buffer passed to one call must not be used concurrently,
// as Vulkan itself requires.
//
// Errors: every call returns an Error; on failure nothing has been recorded into the command
// buffer and out-handles are reset.
#pragma once

#include <vulkan/vulkan.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace vknorm {

constexpr int kVersionMajor = 0;
constexpr int kVersionMinor = 1;
constexpr int kVersionPatch = 0;
const char* version_string();  // "0.1.0"

// ---------------------------------------------------------------------------------------------
// Errors

enum class Status : uint32_t {
  ok = 0,
  invalid_argument,  // a bad shape, stride, dtype pairing, buffer size, offset or eps
  unsupported,       // valid, but this device (or its enabled features) cannot run it
  out_of_memory,     // a Vulkan allocation failed (context creation, scratch, pipelines)
  vulkan_error,      // any other Vulkan failure, with the VkResult in the message
};

struct Error {
  Status status = Status::ok;
  std::string message;
  bool ok() const { return status == Status::ok; }
  explicit operator bool() const { return !ok(); }  // `if (err) ...` reads as "if failed"
};

const char* status_name(Status s);

// ---------------------------------------------------------------------------------------------
// Tensors

enum class DType : uint32_t {
  f32 = 0,
  f16 = 1,   // IEEE binary16 storage, fp32 arithmetic; needs storageBuffer16BitAccess
  bf16 = 2,  // bfloat16 storage (read as 16-bit words), fp32 arithmetic; same requirement
};
const char* dtype_name(DType t);
size_t dtype_size(DType t);

constexpr int kMaxRank = 8;

// A strided view of device memory. Give either `buffer` (+ `offset`) or `address` (a
// VkDeviceAddress, which needs bufferDeviceAddress enabled on the device), never both.
// `size` is the number of bytes that may be accessed from offset (or address) on; every
// element the view addresses must lie inside it. Strides are in elements; shape[i] >= 0.
// `offset` (and `address`) must be a multiple of the element size.
struct Tensor {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceAddress address = 0;
  VkDeviceSize size = 0;
  DType dtype = DType::f32;
  int rank = 0;
  int64_t shape[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};

  // Row-major contiguous tensor (strides derived from the shape).
  static Tensor contiguous(VkBuffer buffer, VkDeviceSize offset, VkDeviceSize size, DType dtype,
                           std::initializer_list<int64_t> shape);
  static Tensor contiguous(VkBuffer buffer, VkDeviceSize offset, VkDeviceSize size, DType dtype,
                           const std::vector<int64_t>& shape);
  static Tensor contiguous_at(VkDeviceAddress address, VkDeviceSize size, DType dtype,
                              const std::vector<int64_t>& shape);
  bool is_set() const { return buffer != VK_NULL_HANDLE || address != 0; }
  int64_t numel() const;
};

// ---------------------------------------------------------------------------------------------
// Device requirements and context

// What vknorm can use on a physical device. The engine enables what it wants of
// `extensions` and the features below when it creates its VkDevice, then tells the context
// what it really enabled through ContextCreateInfo::enabled.
struct EnabledFeatures {
  bool push_descriptor = false;          // VK_KHR_push_descriptor: needed for VkBuffer tensors
  bool buffer_device_address = false;    // bufferDeviceAddress (core 1.2 / KHR): address tensors
  bool storage_buffer_16bit = false;     // storageBuffer16BitAccess: f16 / bf16 tensors
  bool subgroup_size_control = false;    // VK_EXT_subgroup_size_control (optional, tuning)
  bool pipeline_executable_info = false; // VK_KHR_pipeline_executable_properties (profiling)
};

struct DeviceRequirements {
  std::vector<const char*> extensions;  // device extensions to enable (supported ones only)
  EnabledFeatures available;            // what the physical device supports
  uint32_t api_version = 0;             // the physical device's apiVersion
  // Features to switch on: chain this structure's pNext-ready copies yourself, or use
  // fill_device_create_chain() below.
  EnabledFeatures enabled_subset() const { return available; }
};

DeviceRequirements query_device_requirements(VkInstance instance, VkPhysicalDevice physical_device,
                                             PFN_vkGetInstanceProcAddr get_instance_proc_addr);

// Storage for the feature structures that enable what `req` lists; link it into
// VkDeviceCreateInfo::pNext with `chain()` (it points into this object: keep it alive until
// vkCreateDevice returns). Engines that build their own chain can ignore this helper.
struct DeviceFeatureChain {
  VkPhysicalDeviceFeatures2 features2{};
  VkPhysicalDevice16BitStorageFeatures storage16{};
  VkPhysicalDeviceBufferDeviceAddressFeatures bda{};
  VkPhysicalDeviceSubgroupSizeControlFeatures subgroup_size_control{};
  VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR executable_properties{};
  void* chain();  // returns &features2 with the pNext links set
};
void fill_device_feature_chain(const DeviceRequirements& req, DeviceFeatureChain* out);

struct ContextCreateInfo {
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical_device = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  PFN_vkGetInstanceProcAddr get_instance_proc_addr = nullptr;  // required
  VkPipelineCache pipeline_cache = VK_NULL_HANDLE;              // optional, borrowed
  EnabledFeatures enabled;  // what the engine enabled on `device` (see query_device_requirements)
  // Bytes of device-local scratch the context allocates and owns (0: none). Calls whose
  // scratch argument is unset use it; such calls must not execute concurrently on the GPU
  // (record them on one queue; the library's own barriers order them within a command buffer
  // only if they are in the same command buffer, so separate submissions need the caller's).
  VkDeviceSize context_scratch_bytes = 0;
  // Force the shared-memory reduction path even where subgroup arithmetic exists (testing).
  bool force_shared_memory_reduction = false;
  // Autotune cache written by vknorm-bench --tune (see bench/README.md); nullptr: tables only.
  // Entries for another device UUID or driver version are ignored.
  const char* tuning_cache_path = nullptr;
};

struct Context;  // opaque

Error create_context(const ContextCreateInfo& info, Context** out_context);
void destroy_context(Context* context);  // null is allowed

// What the context found on the device; useful for logs and tools.
enum class DeviceClass : uint32_t { generic = 0, ada, hopper, lavapipe };
const char* device_class_name(DeviceClass c);

struct DeviceInfo {
  std::string name;
  DeviceClass device_class = DeviceClass::generic;
  uint32_t vendor_id = 0, device_id = 0, driver_version = 0, api_version = 0;
  uint32_t driver_id = 0;  // VkDriverId, 0 if unknown
  uint8_t uuid[VK_UUID_SIZE] = {};
  uint32_t subgroup_size = 0, min_subgroup_size = 0, max_subgroup_size = 0;
  bool subgroup_arithmetic = false;       // in compute shaders
  bool shared_memory_reduction = false;   // the context uses the shared-memory fallback
  uint32_t max_workgroup_invocations = 0, max_shared_memory_bytes = 0;
  uint64_t max_storage_buffer_range = 0;
  uint32_t min_storage_buffer_offset_alignment = 0;
  uint32_t multiprocessor_count = 0;  // VK_NV_shader_sm_builtins / AMD core count, 0 if unknown
  EnabledFeatures enabled;
  bool supports(DType t) const;
};
const DeviceInfo& device_info(const Context* context);

// ---------------------------------------------------------------------------------------------
// Configurations (tunables). Every field maps to a specialization constant or to the dispatch
// geometry. The selector fills them from per-device-class tables; a tuning cache or the caller
// may override them (fields left 0 are filled by the selector).

enum class Op : uint32_t { rms_norm = 0, layer_norm_forward, layer_norm_backward };
const char* op_name(Op op);

struct KernelConfig {
  uint32_t workgroup_size = 0;    // invocations per workgroup
  uint32_t items_per_invocation = 0;  // register-resident elements per invocation
  uint32_t vector_width = 0;      // 1 or 4 (16-byte fp32 / 8-byte 16-bit accesses)
  uint32_t channel_split = 0;     // rms_norm: invocations sharing one channel column
  uint32_t split = 0;             // layer_norm: workgroups per row (1 = one workgroup per row)
  uint32_t rows_per_workgroup = 0;  // layer_norm_backward: rows whose dweight partials share
  uint64_t wave_bytes = 0;        // split paths: bytes per L2-resident wave (0 = one wave)
  std::string source;             // "table:hopper", "tuned", "caller", ... (read back only)
  std::string case_class;         // the tuning-cache key of the call (read back only)
};
std::string to_string(const KernelConfig& c);

// ---------------------------------------------------------------------------------------------
// Operators
//
// Aliasing: two tensors alias when they share memory (the same VkBuffer with intersecting byte
// ranges, or intersecting device-address ranges; a call that mixes the two compares addresses).
//   - An output's own elements must be distinct: no stride 0 on a dimension of size > 1, and,
//     with dimensions sorted by stride, each stride at least the span of the smaller ones.
//   - An output may alias an input only where the operator lists that pair as "in place" below,
//     and then exactly: same memory, dtype, shape and strides. In place is correct on every
//     path (register-resident and split rows, buffers and addresses).
//   - Outputs never alias each other, and scratch aliases nothing.
//   - Inputs may alias each other freely (they are only read).
//   - Views of one buffer whose rows interleave without sharing an element (for example the q
//     and k slices of a fused QKV buffer: same row stride, disjoint column ranges) do not alias.
// Every other overlap is invalid_argument, reported before anything is recorded.

// RMSNorm over dimension 1 of x with shape (N, C, d1, d2, ...), rank >= 2:
//   y[n,c,s] = x[n,c,s] / sqrt(mean_c(x[n,:,s]^2) + eps) * weight[c]
// weight is optional (C contiguous elements of x's dtype). x and y have the same shape and dtype; the
// spatial dimensions d1.. must be collapsible into one strided dimension in both.
// NaN/Inf: a column holding NaN gives NaN for the column; a column holding +-Inf (and no NaN)
// gives 0 for its finite elements and NaN for the infinite ones (x / inf), as the fp64
// formula does.
// In place: y = x.
struct RmsNormArgs {
  Tensor x, y;
  Tensor weight;  // optional
  float eps = 1e-5f;
  const KernelConfig* config = nullptr;  // optional override
};

// LayerNorm over the trailing `normalized_rank` dimensions of x (torch.nn.LayerNorm):
//   y = (x - mean) * rstd * weight + bias,  rstd = 1 / sqrt(var + eps),  var biased.
// weight / bias are optional and have the normalized shape (contiguous). mean / rstd are
// optional fp32 outputs with one element per row (shape = the leading dimensions, or (rows)).
// The normalized dimensions must be contiguous; the leading ones must collapse into one
// row dimension with a single stride. Rows holding NaN or Inf give NaN for the whole row.
// Statistics: fp32, corrected two-pass (rows in registers) or exact Chan merges of per-workgroup
// (count, mean, M2) around a shift near the data (split rows): no single element is used as a
// shift, so neither large-mean rows nor an outlier anywhere in a row lose precision.
// In place: y = x.
struct LayerNormArgs {
  Tensor x, y;
  Tensor weight, bias;  // optional
  Tensor mean, rstd;    // optional outputs (fp32)
  int normalized_rank = 1;
  float eps = 1e-5f;
  Tensor scratch;  // needed when the config splits rows; see layer_norm_scratch_size()
  const KernelConfig* config = nullptr;
};

// LayerNorm backward: from dy, x, weight (optional), mean and rstd (fp32, as the forward
// produced them) computes dx (optional), dweight and dbias (optional, x's dtype; they are
// accumulated in fp32 and rounded once).
// Deterministic: the same inputs give the same bits (no float atomics).
// In place: none (dx must not alias dy or x).
struct LayerNormBackwardArgs {
  Tensor dy, x;
  Tensor weight;        // optional (weight = 1)
  Tensor mean, rstd;    // required, fp32, one per row
  Tensor dx;            // optional output
  Tensor dweight, dbias;  // optional outputs, normalized shape
  int normalized_rank = 1;
  Tensor scratch;
  const KernelConfig* config = nullptr;
};

// Scratch bytes a call needs (0 if none). The caller passes a buffer at least this large in
// args.scratch (any dtype; only buffer/address, offset and size are read; offset a multiple of
// 16), or relies on the context's own scratch. Contents need no initialization and are left
// undefined. RMSNorm is a single pass and always needs 0 bytes (RmsNormArgs has no scratch).
Error rms_norm_scratch_size(Context* ctx, const RmsNormArgs& args, VkDeviceSize* out_bytes);
Error layer_norm_scratch_size(Context* ctx, const LayerNormArgs& args, VkDeviceSize* out_bytes);
Error layer_norm_backward_scratch_size(Context* ctx, const LayerNormBackwardArgs& args,
                                       VkDeviceSize* out_bytes);

// The configuration a call with these arguments would use (after validation).
Error select_config(Context* ctx, const RmsNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const LayerNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const LayerNormBackwardArgs& args, KernelConfig* out);

// Record the operator into `cmd` (which must be in the recording state and support compute).
// Pipelines are created on first use of a (kernel, dtype, config) key unless prepared
// before with the same arguments through prepare_*; prepare to keep pipeline creation off
// latency-critical paths.
Error record_rms_norm(Context* ctx, VkCommandBuffer cmd, const RmsNormArgs& args);
Error record_layer_norm(Context* ctx, VkCommandBuffer cmd, const LayerNormArgs& args);
Error record_layer_norm_backward(Context* ctx, VkCommandBuffer cmd,
                                 const LayerNormBackwardArgs& args);

Error prepare_rms_norm(Context* ctx, const RmsNormArgs& args);
Error prepare_layer_norm(Context* ctx, const LayerNormArgs& args);
Error prepare_layer_norm_backward(Context* ctx, const LayerNormBackwardArgs& args);

// Recorded-dispatch description of the last recorded (or prepared) call, for profiling tools.
struct DispatchInfo {
  std::string kernel;       // e.g. "layer_norm_apply.f32"
  uint32_t groups[3] = {};  // workgroup counts
  uint32_t workgroup_size = 0;
  VkPipeline pipeline = VK_NULL_HANDLE;
};
Error describe_dispatches(Context* ctx, const RmsNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const LayerNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const LayerNormBackwardArgs& args,
                          std::vector<DispatchInfo>* out);

// Roofline helper for benchmarks: y[i] = x[i] over `bytes` bytes (multiple of 16) with the same
// access pattern vknorm's kernels use. Both tensors are read as raw bytes.
Error record_copy(Context* ctx, VkCommandBuffer cmd, const Tensor& src, const Tensor& dst,
                  VkDeviceSize bytes);

}  // namespace vknorm
