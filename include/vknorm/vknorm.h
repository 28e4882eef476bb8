// vknorm: Vulkan compute kernels for normalization layers.
//
// The library borrows the engine's Vulkan objects and records dispatches into the engine's
// command buffers. It never submits, waits, or allocates while recording.
//
// Integration, in short (examples/embed_rms_norm.cpp is the complete program):
//
//   vknorm::DeviceRequirements req;
//   vknorm::Error err = vknorm::query_device_requirements(instance, phys, gipa, &req);
//   vknorm::EnabledFeatures want = req.features_to_enable();
//   // The engine's VkDeviceCreateInfo: add req.extensions to its extension list, then let
//   // vknorm set its feature bits in the engine's own pNext chain (Vulkan11/12/13Features...):
//   vknorm::DeviceFeatureChain storage;  // holds any structure vknorm had to add
//   err = vknorm::add_device_features(want, device_api_version, &device_create_info, &storage);
//   ...vkCreateDevice(phys, &device_create_info, ...)...
//   vknorm::ContextCreateInfo ci{};
//   ci.instance = instance; ci.physical_device = phys; ci.device = device;
//   ci.get_instance_proc_addr = vkGetInstanceProcAddr;   // or volk's, or the loader's
//   ci.enabled = want;                                   // what was REALLY enabled on `device`
//   vknorm::Context* ctx = nullptr;
//   err = vknorm::create_context(ci, &ctx);              // checks the claims it can check
//   if (!err.ok()) { ...err.message... }
//   vknorm::prepare(ctx, prepare_info);                  // optional: pipelines at load time
//   vknorm::Tensor x = vknorm::Tensor::contiguous(buf, 0, size, vknorm::DType::f32, {N, C, H, W});
//   vknorm::Tensor y = ...;
//   vknorm::RmsNormArgs a{}; a.x = x; a.y = y; a.eps = 1e-5f;
//   err = vknorm::record_rms_norm(ctx, cmd, a);          // appends dispatches to cmd
//   ...engine submits cmd...
//   vknorm::destroy_context(ctx);
//
// Include order: this header includes <vulkan/vulkan_core.h> only (never <vulkan/vulkan.h>,
// so that an engine defining VK_USE_PLATFORM_* before its own later #include <vulkan/vulkan.h>
// still gets its platform headers), and it uses Vulkan types and PFN_ typedefs only, never a
// prototype. So it compiles before or after <vulkan/vulkan.h>, and before or after <volk.h>.
// volk users define VK_NO_PROTOTYPES project-wide (on the compiler command line), as volk
// itself requires: otherwise whichever of vulkan.h / vknorm.h comes first declares the
// prototypes that volk's function-pointer globals of the same names then collide with.
// tests/include_order_*.cpp compile every order.
//
// Buffer requirements (what the engine's VkBuffers and memory must satisfy):
//   - Usage VK_BUFFER_USAGE_STORAGE_BUFFER_BIT on every buffer a tensor or scratch refers to.
//   - Address mode: a call runs in address mode when its context has no push descriptors
//     (DeviceInfo::buffers_need_device_address) or when any tensor of the call is given by
//     address. Then every tensor of that call given as a VkBuffer is converted with
//     vkGetBufferDeviceAddress, so its buffer needs VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT
//     and memory allocated with VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT
//     (VkMemoryAllocateFlagsInfo); the device needs bufferDeviceAddress enabled.
//     Simplest rule for engines: if device_info(ctx).buffers_need_device_address, or if you
//     ever pass tensors by address, create every buffer you hand to vknorm with both bits.
//   - Tensor::offset (or address) a multiple of the element size; scratch offset (or address)
//     a multiple of 16 bytes. Tensor::size covers every element (Tensor::strided computes it).
//   - The memory stays bound (the buffer alive) until the GPU has finished the recorded work.
//   - Checked by vknorm: offsets, sizes, the feature a mode needs, and (address mode) that
//     vkGetBufferDeviceAddress returned a non-zero address. Not checkable: Vulkan has no query
//     for a VkBuffer's usage flags or for whether its memory is bound; breaking those is
//     undefined behaviour that only the validation layer reports
//     (e.g. VUID-VkBufferDeviceAddressInfo-buffer-02601).
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

#include <vulkan/vulkan_core.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace vknorm {

constexpr int kVersionMajor = 0;
constexpr int kVersionMinor = 2;
constexpr int kVersionPatch = 0;
const char* version_string();  // "0.2.0"

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
  i8 = 3,    // int8: quantized outputs only (RMSNorm with int8 y); needs storageBuffer8BitAccess
  i32 = 4,   // int32: index inputs only (positions of qk_norm_rope)
  f8_e4m3 = 5,  // float8 E4M3 without Inf (torch.float8_e4m3fn): quantized outputs only, stored
                // as bytes; needs storageBuffer8BitAccess
  f8_e5m2 = 6,  // float8 E5M2 (torch.float8_e5m2): quantized outputs only; the same requirement
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
  // Any strided view; `size` is set to bytes_needed(), so that callers do not compute it.
  // shape and strides (in elements) must have the same length, at most kMaxRank; a view
  // that breaks this gets rank kMaxRank + 1 and is rejected by every call, as are negative
  // strides (size is then 0).
  static Tensor strided(VkBuffer buffer, VkDeviceSize offset, DType dtype,
                        std::initializer_list<int64_t> shape, std::initializer_list<int64_t> strides);
  static Tensor strided(VkBuffer buffer, VkDeviceSize offset, DType dtype,
                        const std::vector<int64_t>& shape, const std::vector<int64_t>& strides);
  static Tensor strided_at(VkDeviceAddress address, DType dtype, std::initializer_list<int64_t> shape,
                           std::initializer_list<int64_t> strides);
  static Tensor strided_at(VkDeviceAddress address, DType dtype, const std::vector<int64_t>& shape,
                           const std::vector<int64_t>& strides);
  bool is_set() const { return buffer != VK_NULL_HANDLE || address != 0; }
  int64_t numel() const;  // product of the dims, saturating at INT64_MAX
  // Bytes from offset (or address) on that the view touches: (1 + sum_i (shape[i] - 1) *
  // strides[i]) * element size; 0 when a dimension is 0, when a stride or dimension is
  // negative, when the rank is out of range or the dtype is not a DType value; saturates at
  // UINT64_MAX on overflow.
  VkDeviceSize bytes_needed() const;
};

// ---------------------------------------------------------------------------------------------
// Device requirements and context

// Features vknorm can use. The same structure says what a physical device supports
// (DeviceRequirements::supported), what to switch on (features_to_enable()) and what the
// engine really enabled on its VkDevice (ContextCreateInfo::enabled).
struct EnabledFeatures {
  bool push_descriptor = false;          // VK_KHR_push_descriptor: binds VkBuffer tensors
  bool buffer_device_address = false;    // bufferDeviceAddress (core 1.2 / KHR): address mode
  bool storage_buffer_16bit = false;     // storageBuffer16BitAccess: f16 / bf16 tensors
  bool storage_buffer_8bit = false;      // storageBuffer8BitAccess (1.2 / VK_KHR_8bit_storage):
                                         // int8 / float8 outputs; optional
  bool subgroup_size_control = false;    // subgroupSizeControl (1.3 / EXT): optional, tuning
  bool pipeline_executable_info = false; // VK_KHR_pipeline_executable_properties: optional,
                                         // profiling (pipeline statistics in vknorm-bench)
};

// What vknorm needs from a physical device and what it supports there.
struct DeviceRequirements {
  // Device extensions vknorm needs for its work, limited to those the device supports:
  // VK_KHR_push_descriptor, and VK_KHR_buffer_device_address / VK_KHR_8bit_storage on devices
  // below Vulkan 1.2.
  // Enable all of them together with features_to_enable().
  std::vector<const char*> extensions;
  // Profiling / tuning extensions the device supports (VK_EXT_subgroup_size_control where it
  // is not core, VK_KHR_pipeline_executable_properties). vknorm never needs them and
  // features_to_enable() never asks for them: enable them, and set the matching
  // EnabledFeatures bits yourself, only if you want what they give.
  std::vector<const char*> optional_extensions;
  EnabledFeatures supported;  // what the physical device supports (not what is enabled)
  uint32_t api_version = 0;   // the physical device's apiVersion
  // `supported` minus the optional profiling / tuning features: what to enable (with
  // `extensions`) for vknorm to run everything the device can run.
  EnabledFeatures features_to_enable() const;
};

// Fills *out for `physical_device`. Errors: invalid_argument for a null instance, physical
// device, get_instance_proc_addr or out; vulkan_error when get_instance_proc_addr lacks an
// instance-level entry point vknorm needs (Vulkan 1.1: vkGetPhysicalDeviceProperties2, ...).
Error query_device_requirements(VkInstance instance, VkPhysicalDevice physical_device,
                                PFN_vkGetInstanceProcAddr get_instance_proc_addr,
                                DeviceRequirements* out);

// Storage for feature structures vknorm links into a VkDeviceCreateInfo chain; keep it alive
// (and unmoved) until vkCreateDevice returns.
struct DeviceFeatureChain {
  VkPhysicalDeviceFeatures2 features2{};
  VkPhysicalDevice16BitStorageFeatures storage16{};
  VkPhysicalDeviceBufferDeviceAddressFeatures bda{};
  VkPhysicalDevice8BitStorageFeatures storage8{};
  VkPhysicalDeviceSubgroupSizeControlFeatures subgroup_size_control{};
  VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR executable_properties{};
  // Returns &features2 followed by the structures above that enable something (a structure
  // of an extension that is not enabled must not be chained, so unused ones are left out).
  void* chain();
};

// For engines without a feature chain of their own: fills *out so that
// VkDeviceCreateInfo::pNext = out->chain() enables `features` (pEnabledFeatures must then be
// null). The extensions must be enabled separately (DeviceRequirements::extensions).
void fill_device_feature_chain(const EnabledFeatures& features, DeviceFeatureChain* out);

// For engines with their own chain: sets the bits of `features` in create_info's pNext
// chain, in place. For each wanted feature it sets the bit in every structure of the chain
// that carries it (VkPhysicalDeviceVulkan11Features::storageBuffer16BitAccess,
// VkPhysicalDeviceVulkan12Features::bufferDeviceAddress / storageBuffer8BitAccess,
// VkPhysicalDeviceVulkan13Features::subgroupSizeControl, or the individual
// VkPhysicalDevice16BitStorageFeatures / 8BitStorageFeatures / BufferDeviceAddressFeatures /
// SubgroupSizeControlFeatures / PipelineExecutablePropertiesFeaturesKHR). Only when no
// structure carries it does it prepend the individual structure from *storage (never
// when the matching VulkanXYFeatures is present: VUID-VkDeviceCreateInfo-pNext-02829, -02830,
// -06532). It never clears a bit and never adds a structure twice (calling it again with the
// same storage is harmless). The structures in the engine's chain must be writable.
// push_descriptor has no feature bit: its extension is all it needs.
// No core VkPhysicalDeviceFeatures bit is needed: the shaders declare only the capabilities
// Shader, StorageBuffer16BitAccess, StorageBuffer8BitAccess (int8 / float8 outputs only),
// PhysicalStorageBufferAddresses, GroupNonUniform and GroupNonUniformArithmetic (no Int64 or
// Int8 arithmetic: addresses stay pointer-typed, 8-bit codes are only stored), so pEnabledFeatures and
// VkPhysicalDeviceFeatures2 are left alone.
// `device_api_version`: the Vulkan version the device is used at, min(the physical device's
// apiVersion, VkApplicationInfo::apiVersion). Set ppEnabledExtensionNames first: a feature
// that needs an extension at this version (push descriptor; buffer device address and 8-bit
// storage below 1.2;
// subgroup size control below 1.3; pipeline executable info) whose extension is not in the
// list is an invalid_argument error, and nothing is changed. Null create_info or storage:
// invalid_argument.
Error add_device_features(const EnabledFeatures& features, uint32_t device_api_version,
                          VkDeviceCreateInfo* create_info, DeviceFeatureChain* storage);

// Limits lower than the device's: the context then selects, plans and checks every dispatch as
// if the device had reported them, so that a desktop GPU or lavapipe runs what a smaller device
// would (vknorm-check --limits, the tests' VKNORM_LIMITS). Before recording, each dispatch is
// checked against the limits in force: workgroup size, workgroup count per dimension, shared
// memory (read from the kernel's SPIR-V), bound range and offset alignment of every buffer
// binding; one that exceeds them is an error naming the limit, never a recorded dispatch. Each
// limit in force is the stricter of the device's and this struct's (a field left 0 or false
// keeps the device's), so a profile runs on any device; an alignment that is not a power of
// two is an invalid_argument error of create_context.
struct DeviceLimits {
  uint32_t max_workgroup_invocations = 0;  // maxComputeWorkGroupInvocations (and size x)
  uint32_t max_workgroup_count = 0;        // maxComputeWorkGroupCount, every dimension
  uint32_t max_shared_memory_bytes = 0;    // maxComputeSharedMemorySize
  uint64_t max_storage_buffer_range = 0;   // maxStorageBufferRange
  uint32_t min_storage_buffer_offset_alignment = 0;  // minStorageBufferOffsetAlignment
  bool no_subgroup_arithmetic = false;     // as if the device lacked subgroup arithmetic
};
// Named profiles for DeviceLimits (invalid_argument for another name):
//   "mobile": 128 invocations, 65535 workgroups per dimension, 16 KiB shared memory, 128 MiB
//             storage-buffer range, 256-byte offset alignment, no subgroup arithmetic (the
//             Vulkan minimums, as Mali / older Adreno class GPUs report them);
//   "integrated": 512 invocations, 65535 workgroups, 32 KiB shared memory, 1 GiB range,
//             64-byte alignment, subgroup arithmetic kept (Intel / recent Mali class).
Error device_limits_profile(const char* name, DeviceLimits* out);
// The names device_limits_profile knows, in that order; *count receives how many.
const char* const* device_limits_profile_names(size_t* count);

struct ContextCreateInfo {
  VkInstance instance = VK_NULL_HANDLE;
  VkPhysicalDevice physical_device = VK_NULL_HANDLE;
  VkDevice device = VK_NULL_HANDLE;
  PFN_vkGetInstanceProcAddr get_instance_proc_addr = nullptr;  // required (null: error)
  // Optional, borrowed. Pipelines come out of it when it holds them: pass one that you save
  // and reload across runs to make prepare() / first calls cheap (see prepare()).
  VkPipelineCache pipeline_cache = VK_NULL_HANDLE;
  // What the engine REALLY enabled on `device` (usually DeviceRequirements::
  // features_to_enable(), plus any optional feature it switched on), not what the device
  // supports. create_context checks the claims it can: a claimed feature the physical device
  // does not support is an invalid_argument error naming it; so is a claimed feature whose
  // extension entry point vkGetDeviceProcAddr does not return (push_descriptor:
  // vkCmdPushDescriptorSetKHR; buffer_device_address: vkGetBufferDeviceAddress[KHR];
  // pipeline_executable_info: vkGetPipelineExecutablePropertiesKHR), i.e. whose extension
  // was not enabled on the VkDevice. Feature bits themselves (storageBuffer16BitAccess,
  // bufferDeviceAddress on a 1.2 device, subgroupSizeControl) cannot be read back from a
  // VkDevice: those claims are trusted, and a false claim is undefined behaviour that the
  // validation layer reports.
  EnabledFeatures enabled;
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
  // Optional, read during create_context: limits lower than the device's (DeviceLimits).
  const DeviceLimits* limits = nullptr;
  // Batch invariance: a row's output bits do not depend on the batch, i.e. on how many rows
  // (or samples) the call holds and where the row sits among them. Every default config is then
  // chosen from the row's own shape, as if the batch were large (the configs of prefill and
  // training batches), and the tuning cache is not read. It costs speed where the default
  // would have spread a few long rows over more workgroups (decode-sized calls). Config fields
  // that only non-invariant outputs depend on keep the real batch's default: the backward
  // passes' rows per workgroup (dweight's partials), BatchNorm's and Frobenius's configs.
  //   Invariant: rms_norm, lp_norm, rms_norm_last, add_rms_norm (and their int8 / fp8 forms),
  //   layer_norm, add_layer_norm, ada_norm, gated_rms_norm, qk_norm_rope, group_norm,
  //   instance_norm (training and eval), batch_norm in eval mode, and dx of layer_norm_backward /
  //   rms_norm_backward.
  //   Not invariant: dweight / dbias (sums over the batch), batch_norm in training and
  //   frobenius_norm (statistics over the batch).
  //   What breaks it: a KernelConfig override that differs between the calls compared, or
  //   comparing calls of contexts with other options, devices or drivers. Checked by
  //   vknorm-check --batch-invariance and the batch_invariance suite (batches 1, 7, 333, 5000).
  // Without it, row operators choose configs by the row count too (fewer rows: more lanes or
  // workgroups per row), and a row's last bits may differ between batch sizes.
  bool batch_invariant = false;
  // Testing: 64 or 128 runs every kernel's subgroup operations over virtual subgroups of that
  // many invocations, emulated in shared memory, and selects configs as for a device of that
  // subgroup size (AMD wave64, Adreno's 128 lanes), on any device. Needs a library built with
  // -DVKNORM_VIRTUAL_SUBGROUPS=ON (else unsupported); 0: the device's own subgroups.
  uint32_t virtual_subgroup_size = 0;
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
  // The subgroup lanes compute shaders run with; reported_subgroup_size is the driver's own
  // figure where a known quirk makes it differ (lavapipe at LP_NATIVE_VECTOR_WIDTH 1024 / 2048
  // reports 32 / 64 and runs 16).
  uint32_t subgroup_size = 0, min_subgroup_size = 0, max_subgroup_size = 0;
  uint32_t reported_subgroup_size = 0;
  // Known driver bugs that apply to this device and what vknorm does about each
  // ("name: bug; vknorm: workaround"), from vknorm's quirks table (src/core/quirks.cpp).
  std::vector<std::string> quirks;
  bool subgroup_arithmetic = false;       // in compute shaders
  bool shared_memory_reduction = false;   // the context uses the shared-memory fallback
  uint32_t max_workgroup_invocations = 0, max_shared_memory_bytes = 0;
  uint64_t max_storage_buffer_range = 0;
  uint32_t min_storage_buffer_offset_alignment = 0;
  uint32_t multiprocessor_count = 0;  // VK_NV_shader_sm_builtins / AMD core count, 0 if unknown
  // The limits above are those in force: ContextCreateInfo::limits lowered at least one.
  bool limits_lowered = false;
  // ContextCreateInfo::virtual_subgroup_size (then subgroup_size above is the virtual one).
  uint32_t virtual_subgroup_size = 0;
  EnabledFeatures enabled;  // the verified ContextCreateInfo::enabled
  // True when the context binds tensors by address by default (no push descriptors enabled):
  // then every VkBuffer passed to vknorm needs VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT and
  // memory allocated with VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT (see "Buffer requirements"
  // at the top). False: VkBuffers need only STORAGE_BUFFER usage, unless a call also passes
  // a tensor by address.
  bool buffers_need_device_address = false;
  bool supports(DType t) const;
};
const DeviceInfo& device_info(const Context* context);

// ---------------------------------------------------------------------------------------------
// Configurations (tunables). Every field maps to a specialization constant or to the dispatch
// geometry. The selector fills them from per-device-class tables; a tuning cache or the caller
// may override them (fields left 0 are filled by the selector).

enum class Op : uint32_t {
  rms_norm = 0,
  layer_norm_forward,
  layer_norm_backward,
  rms_norm_last,      // RmsNormLastArgs
  add_rms_norm,       // AddRmsNormArgs
  rms_norm_backward,  // RmsNormBackwardArgs
  group_norm = 6,       // GroupNormArgs
  instance_norm = 7,    // InstanceNormArgs
  // 8 is reserved.
  lp_norm = 9,          // LpNormArgs
  frobenius_norm = 10,  // FrobeniusNormArgs
  batch_norm = 11,      // BatchNormArgs
  add_layer_norm = 12,  // AddLayerNormArgs
  ada_norm = 13,        // AdaNormArgs
  gated_rms_norm = 14,  // GatedRmsNormArgs
  qk_norm_rope = 15,    // QkNormRopeArgs
};
const char* op_name(Op op);

// Row kernels: RMSNorm whose reduced dim is contiguous with one position per batch item
// ((N, C) or (N, C, 1, 1): rms_norm_rows) and LayerNorm forward with split 1 (layer_norm_row)
// spread each row over workgroup_size / rows_per_workgroup invocations ("lanes per row", a power
// of two); there:
//   workgroup_size       = lanes per row x rows_per_workgroup
//   items_per_invocation = row elements each lane keeps in registers (any multiple of
//                          vector_width up to 256, not only a power of two: 768 = 32 lanes x
//                          24); rms_norm_rows streams rows longer than lanes x items (x read
//                          twice), layer_norm_row needs the row to fit. The other kernels take
//                          a power of two <= 256
//   vector_width         = 1, 4, or 8 (16-bit data only: 16-byte accesses of 8 elements)
//   rows_per_workgroup   = rows one workgroup handles (a power of two <= workgroup_size)
//   channel_split        = 0 (setting it on such an RMSNorm call selects the channel kernel)
// A zero field is chosen by vknorm (the rule is documented in src/core/selector.cpp).
struct KernelConfig {
  uint32_t workgroup_size = 0;    // invocations per workgroup
  uint32_t items_per_invocation = 0;  // register-resident elements per invocation
  uint32_t vector_width = 0;      // 1 or 4 (16-byte fp32 / 8-byte 16-bit accesses); 8: row kernels
  uint32_t channel_split = 0;     // rms_norm channel kernel: invocations sharing one channel column
  uint32_t split = 0;             // layer_norm*, rms_norm_backward: workgroups per row (1 = one
                                  // workgroup per row; backward: the row in its registers, one
                                  // pass; > 1: the backward's row-sums pass uses that many)
  uint32_t rows_per_workgroup = 0;  // row kernels: rows per workgroup (above); *_backward: rows one
                                    // workgroup loops over, whose dweight partials it sums in registers;
                                    // split forward: rows one apply workgroup normalizes, sharing its
                                    // weight / bias chunk
  uint64_t wave_bytes = 0;        // split paths: bytes per L2-resident wave (0 = one wave);
                                  // rms_norm rows too long for the registers (read twice): bytes
                                  // of rows in flight, capping the grid (0 = no cap)
  std::string source;             // "table:hopper", "tuned", "caller", ... (read back only)
  std::string case_class;         // the tuning-cache key of the call (read back only)
};
std::string to_string(const KernelConfig& c);

// ---------------------------------------------------------------------------------------------
// Operators
//
// Mixed precision: where an operator's weight / bias are documented as "of x's dtype", the row
// norms (rms_norm_last, add_rms_norm and their quantized forms, layer_norm, add_layer_norm,
// group_norm (NCHW), instance_norm in training mode, ada_norm, gated_rms_norm) also take them in fp32
// beside 16-bit x (checkpoints that keep norm weights in fp32; torch's autocast): all of one
// dtype, read as fp32 (the math is fp32 either way, so y differs from a call with the weights
// rounded to x's dtype only by that rounding). Their own pipelines (PrepareInfo::f32_params).
// add_rms_norm (and its quantized forms) also keeps the residual stream in fp32 (see
// AddRmsNormArgs). Other combinations are refused with the dtypes named. Not covered: the
// backward passes, BatchNorm, rms_norm over channels, channels-last GroupNorm (weights of x's
// dtype only).
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

// RMSNorm over the trailing `normalized_rank` dimensions of x (torch.nn.functional.rms_norm,
// the norm of LLM engines):
//   rstd = 1 / sqrt(mean(x^2 over the row) + eps)   (fp32; written to `rstd` when set)
//   y    = x * rstd * (weight_offset + weight)      (y = x * rstd without weight)
// The D = product of normalized dims elements of a row are contiguous in every tensor; the
// leading dimensions may be strided as long as they collapse into at most two strided
// dimensions (for example the q or k slice of a fused QKV buffer, or a (tokens, heads, head_dim)
// view of one, for per-head "QK-norm"). weight (optional) has D contiguous elements of x's
// dtype; weight_offset (Gemma: 1) needs a weight. rstd (optional, fp32, one per row) is what
// RMSNorm backward takes.
// Quantized output: y may have dtype i8, f8_e4m3 or f8_e5m2 (8-bit codes; needs
// storageBuffer8BitAccess). With y as above in fp32 (never rounded to x's dtype) and QMAX the
// format's largest finite value (i8: 127, f8_e4m3: 448, f8_e5m2: 57344):
//   i8:  q = clamp(roundEven(y / s), -127, 127)
//   f8:  q = float8(clamp(y / s, -QMAX, QMAX)), rounded to nearest even exactly as torch's
//        conversion rounds: torch's (y / s).clamp(-QMAX, QMAX).to(torch.float8_e4m3fn / _e5m2),
//        so both formats saturate (no Inf or NaN code from an overflow); subnormals are kept
// with s = static_scale when static_scale > 0, else the per-row dynamic scale
// s = max|y| / QMAX written as fp32 to y_scale (one per row; an all-zero row gets s = 0 and
// codes 0), as vLLM's rms_norm_dynamic_per_token_quant (int8 and fp8). With a dynamic scale and
// scale_group_size G > 0, one scale per group of G consecutive elements of a row instead
// (DeepSeek-V3's 1 x 128 blocks, vLLM's per-token-group fp8 quantization: G = 128): s of a
// group = max|y over the group| / QMAX, y_scale holds ceil(D / G) fp32 per row, contiguous
// (rows, ceil(D / G)) (the last group of a row is shorter where G does not divide D; G >= D is
// one group: the per-row scale). The row stays in registers: rows longer than the device's
// workgroup x 256 elements are refused (unsupported), as are groups whose maxima do not fit
// shared memory; 4- / 8-element accesses need G to be a multiple of 4 / 8. y / s is computed as
// y * (1 / s) in fp32: a value within a few fp32 ulps of a rounding tie may take either code.
// NaN/Inf: a row holding NaN gives NaN for the whole row; a row holding +-Inf (and no NaN) gives
// 0 for its finite elements and NaN for the infinite ones (x / inf). With a quantized y such a
// row's codes are unspecified and its dynamic scale is NaN or Inf.
// In place: y = x (not with a quantized y).
struct RmsNormLastArgs {
  Tensor x, y;
  Tensor weight;              // optional
  float weight_offset = 0.0f;
  Tensor rstd;                // optional output
  Tensor y_scale;             // quantized y with dynamic scale: fp32 per row (output)
  float static_scale = 0.0f;  // quantized y: > 0 selects this static scale instead
  int64_t scale_group_size = 0;  // dynamic scale: 0 one per row; G > 0 one per G elements
  int normalized_rank = 1;
  float eps = 1e-6f;
  const KernelConfig* config = nullptr;
};

// Fused residual add + RMSNorm (FlashInfer fused_add_rmsnorm, vLLM fused_add_rms_norm), and ONNX
// Runtime's SkipSimplifiedLayerNormalization (input = x, skip = residual, its bias = add_bias,
// input_skip_bias_sum = residual_out):
//   h = x + residual (+ add_bias), summed in fp32 and rounded once to the storage dtype (as
//       the unfused code would store it)
//   residual_out = h   (optional; it may be `residual` itself: the usual in-place update)
//   y = RMSNorm(h) exactly as RmsNormLastArgs (weight, weight_offset, rstd, int8 / fp8 y, scales)
// x, residual and residual_out have x's shape; residual and residual_out have x's dtype, or
// both fp32 beside 16-bit x (an engine that keeps the residual stream in fp32: h is then summed
// and kept in fp32, and y goes out in x's dtype). The layout rules are RmsNormLastArgs's for
// every one of them.
// In place: residual_out = residual, and y = x (not with a quantized y).
struct AddRmsNormArgs {
  Tensor x, residual;
  Tensor residual_out;        // optional output
  Tensor y;
  Tensor weight;              // optional
  Tensor add_bias;            // optional, D contiguous elements of x's dtype, added to x + residual
  float weight_offset = 0.0f;
  Tensor rstd;                // optional output
  Tensor y_scale;             // quantized y with dynamic scale
  float static_scale = 0.0f;
  int64_t scale_group_size = 0;
  int normalized_rank = 1;
  float eps = 1e-6f;
  const KernelConfig* config = nullptr;
};

// L1 / L2 normalization over dimension 1 of x (N, D, d2, ...), rank >= 2 (KernelBench #38, #39):
//   p = 1: y = x / mean(|x| over dim 1)          p = 2: y = x / ||x||_2 over dim 1
// computed as y = x * (1 / norm), the norm accumulated in fp32. No eps, as in those models: an
// all-zero slice gives 0 / 0 = NaN for all its elements (torch: the same); a slice holding NaN
// gives NaN; one holding +-Inf (and no NaN) gives NaN for the infinite elements and 0 for the
// finite ones (x / inf). The layout rules are RmsNormArgs's (the same kernels: contiguous rows
// when d2.. are 1, else channel columns). In place: y = x.
struct LpNormArgs {
  Tensor x, y;
  int p = 2;  // 1 or 2
  const KernelConfig* config = nullptr;
};

// Frobenius normalization of the WHOLE tensor (KernelBench #37: x / torch.norm(x, p='fro')):
//   y = x / sqrt(sum(x^2))   over every element of x, any rank >= 1,
// computed as y = x * (1 / sqrt(sum)), the sum of squares accumulated in fp32. norm (optional,
// fp32, 1 element) receives ||x||_F = sqrt(sum). Deterministic: the same inputs, shape and
// config give the same bits every run (fixed reduction order, no atomics). No eps, as torch: an
// all-zero x gives 0 / 0 = NaN everywhere (norm 0); NaN anywhere gives NaN everywhere; +-Inf
// (and no NaN) gives NaN for the infinite elements and 0 for the finite ones (x / inf). A sum of
// squares beyond fp32's range (||x||_F > 1.8e19) is Inf, with the same result.
// x and y have the same shape and dtype (f32, f16, bf16) and must be contiguous: their
// dimensions must collapse into one run of stride 1 (size-1 dimensions may have any stride).
// Three passes: per-workgroup partial sums of squares over fixed contiguous spans of x (about
// config.split of them, more only where a span would exceed one binding's range; fixed by the
// shape, config and device), one workgroup summing the partials in a fixed order, then
// y = x * scale. Tensors larger than one binding are windowed.
// Config: workgroup_size, items_per_invocation (values per invocation per loop step),
// vector_width (4: 16-byte fp32 / 8-byte 16-bit accesses; needs 4-element aligned offsets and a
// multiple of 4 elements), split (the most partial workgroups, <= 65535).
// In place: y = x (the scale pass reads x only at the elements it writes, and the statistics
// are complete before it starts: a barrier separates the passes). A zero-size x records
// nothing (norm is not written).
struct FrobeniusNormArgs {
  Tensor x, y;
  Tensor norm;     // optional output, fp32, 1 element: ||x||_F
  Tensor scratch;  // see frobenius_norm_scratch_size()
  const KernelConfig* config = nullptr;
};

// LayerNorm over the trailing `normalized_rank` dimensions of x (torch.nn.LayerNorm):
//   y = (x - mean) * rstd * weight + bias,  rstd = 1 / sqrt(var + eps),  var biased.
// weight / bias are optional and have the normalized shape (contiguous). mean / rstd are
// optional fp32 outputs with one element per row (shape = the leading dimensions, or (rows)).
// The normalized dimensions must be contiguous; the leading ones must collapse into one
// row dimension with a single stride. Rows holding NaN or Inf give NaN for the whole row.
// eps = 0 and a row of equal values (variance 0): rstd (+Inf, or a large finite value from an
// fp32 variance that is not exactly 0) and y = (x - mean) * rstd are unspecified (NaN, +-Inf or
// finite: the fp32 mean of equal values need not equal them; on the H200 it does not for some
// 16-bit rows). The same holds for BatchNorm, GroupNorm and
// InstanceNorm groups of equal values with eps = 0.
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

// Fused residual add + LayerNorm (pre-LN and post-LN transformers: BERT, GPT-2), and ONNX
// Runtime's SkipLayerNormalization (input = x, skip = residual, gamma / beta = weight / bias,
// its bias = add_bias, input_skip_bias_sum = residual_out, mean / inv_std_var = mean / rstd):
//   h = x + residual (+ add_bias), summed in fp32 and rounded once to the storage dtype (as
//       the unfused code would store it; ORT's fp16 CUDA kernel may add in fp16: h can then
//       differ by one rounding)
//   residual_out = h   (optional; it may be `residual` itself: the usual in-place update)
//   y = LayerNorm(h) exactly as LayerNormArgs (weight, bias, mean / rstd of h, eps)
// x, residual, residual_out and y have x's shape and dtype; the layout rules are
// LayerNormArgs's for every one of them (their row strides may differ). Rows that fit one
// workgroup run one kernel reading x and residual once; longer rows first write h (to
// residual_out, or to scratch when it is omitted: add_layer_norm_scratch_size() counts it),
// then run LayerNorm's split path on h.
// In place: residual_out = residual, and y = x.
struct AddLayerNormArgs {
  Tensor x, residual;
  Tensor residual_out;  // optional output
  Tensor y;
  Tensor weight, bias;  // optional
  Tensor add_bias;      // optional, D contiguous elements of x's dtype, added to x + residual
  Tensor mean, rstd;    // optional outputs (fp32), statistics of h
  int normalized_rank = 1;
  float eps = 1e-5f;
  Tensor scratch;  // see add_layer_norm_scratch_size()
  const KernelConfig* config = nullptr;
};

// The normalization an adaptive norm applies before its modulation (AdaNormArgs::norm).
enum class NormKind : uint32_t {
  layer = 0,  // LayerNorm: (h - mean) * rstd, rstd = 1 / sqrt(var + eps)
  rms = 1,    // RMSNorm: h * rstd, rstd = 1 / sqrt(mean(h^2) + eps)
};

// Adaptive LayerNorm / RMSNorm (AdaLN of DiT engines: DiT, PixArt, SD3, Flux, Wan) over the last
// dimension (D) of x with shape (..., D), in one pass (patterns of a DiT block, fused):
//   h = x                          (no residual)
//   h = residual + x               (residual given)
//   h = residual + gate * x        (residual and gate given: the gated residual of a DiT block,
//                                   x being the attention / MLP branch's output)
//       computed in fp32 and rounded once to the storage dtype (as the unfused code would store h)
//   residual_out = h               (optional; it may be `residual` itself, the usual update)
//   n = LayerNorm(h) or RMSNorm(h) over D (norm), then n * weight + bias (both optional, D
//       elements: LayerNorm's elementwise affine; DiTs run without)
//   y = n * (scale_offset + scale) + shift   (scale and shift optional: without scale the
//       factor is 1, without shift nothing is added; scale_offset = 1 gives DiT's
//       modulate(), 0 a plain scale)
// computed in fp32 and rounded once to y's dtype. No mean / rstd outputs (an inference form;
// the kernel's push block is full).
// Modulation tensors (scale, shift, gate) have x's dtype and shape (..., D) whose leading dims,
// once trailing size-1 dims are dropped, are a prefix of x's leading dims: for x (B, T, D),
// (B, 1, D) or (B, D) modulate per sample, (B, T, D) per token, (1, D) or (D) every row alike.
// Row r of x (rows in row-major order) uses modulation row r / (rows / M), M the modulation
// tensor's rows; the modulation tensors of one call have the same M. Their last dim is
// contiguous and rows may have any stride: the chunks of a (B, 6 D) adaLN projection
// (scale = mod[:, D:2 D], row stride 6 D) are passed as they are.
// x, residual, residual_out and y have x's shape and dtype, D contiguous, the leading dims
// collapsing into one row dimension with one stride (their row strides may differ).
// A row runs in one workgroup with the row in registers: D at most (the device's largest
// workgroup) x 256 (262144 on a 1024-invocation device, 32768 on a 128-invocation one); longer
// rows are refused (unsupported). Rows past about 16-32 elements per invocation spill
// registers (a DiT width on a small device): correct, slower.
// NaN / Inf in a row give NaN for the row (as LayerNorm). In place: y = x, residual_out =
// residual. A zero-size x records nothing.
// Quantized output (issue 22, as the LLM norms have it): y may have dtype i8, f8_e4m3 or
// f8_e5m2 (8-bit codes; needs storageBuffer8BitAccess, refused as unsupported without it):
// the fp32 y above (never rounded to x's dtype) goes out as codes exactly as RmsNormLastArgs's
// quantized y (rounding, saturation, static_scale > 0 or the per-row dynamic scale
// max|y| / QMAX written to y_scale, fp32 one per row, an all-zero row getting scale 0 and codes
// 0). A row whose y holds NaN / Inf (from h or the modulation) gets unspecified codes and an
// Inf dynamic scale (NaN counted as Inf). With more than
// one modulation row, scale, shift and gate must then share one row stride (the quantized
// kernel's push block is full; the chunks of one (B, 6 D) projection do): refused as
// unsupported otherwise. In place y = x is refused with a quantized y.
struct AdaNormArgs {
  Tensor x;
  Tensor residual;      // optional: h = residual + x (or + gate * x)
  Tensor gate;          // optional, needs residual: modulation shape
  Tensor residual_out;  // optional output h, needs residual
  Tensor scale, shift;  // optional, modulation shape
  Tensor weight, bias;  // optional, D contiguous elements of x's dtype
  Tensor y;
  Tensor y_scale;             // quantized y with dynamic scale: fp32 per row (output)
  float static_scale = 0.0f;  // quantized y: > 0 selects this static scale instead
  NormKind norm = NormKind::layer;
  float scale_offset = 1.0f;
  float eps = 1e-6f;
  Tensor scratch;  // unused today (0 bytes); see ada_norm_scratch_size()
  const KernelConfig* config = nullptr;
};

// Gated RMSNorm (mamba_ssm's RMSNormGated of Mamba-2 and hybrids, Qwen3-Next's / FLA's gated
// norm of the linear-attention output) over the last dimension (D) of x with shape (..., D):
//   norm_before_gate = true:  y = rms_norm(x) * weight * silu(z)   (Qwen3-Next, FLA)
//   norm_before_gate = false: y = rms_norm(x * silu(z)) * weight   (mamba_ssm's default)
// rms_norm(h) = h / sqrt(mean(h^2 over D) + eps), silu(z) = z * sigmoid(z); weight optional (D
// contiguous elements of x's dtype). Computed in fp32 (x * silu(z) is not rounded) and rounded
// once to y's dtype. z and y have x's shape and dtype; D contiguous in each, the leading dims
// collapsing into one row dimension with one stride (z's row stride may differ: the z slice of
// a fused projection is passed as it is). A norm over groups of D with one weight shared by
// the groups (Qwen3-Next: per head of head_dim) is this call on the (..., groups, D / groups)
// view; Mamba-2 with ngroups > 1 and a weight per group is not covered. Rows as AdaNormArgs
// (one workgroup, up to 256 elements per invocation). In place: y = x (not y = z). NaN / Inf in
// a row give NaN for the row. A zero-size x records nothing.
struct GatedRmsNormArgs {
  Tensor x, z;
  Tensor weight;  // optional
  Tensor y;
  bool norm_before_gate = true;
  float eps = 1e-6f;
  Tensor scratch;  // unused today (0 bytes)
  const KernelConfig* config = nullptr;
};

// Rotary embedding pair layout (QkNormRopeArgs::style).
enum class RopeStyle : uint32_t {
  neox = 0,  // GPT-NeoX / Llama / Qwen (HF rotate_half): pairs (i, i + rotary_dim / 2)
  gptj = 1,  // GPT-J (interleaved): pairs (2i, 2i + 1)
};

// Per-head QK-norm followed by rotary position embedding, q and k in one dispatch (Qwen3,
// Gemma 3, OLMo 2 attention; vLLM's / FlashInfer's fused_qk_norm_rope, ggml's rms_norm + mul +
// rope). For every token t and head h of q (and of k, with k's tensors), x = that head's
// head_dim values:
//   r   = 1 / sqrt(mean(x^2 over head_dim) + eps)                     (fp32)
//   n_j = x_j * r * w_j           (w = q_weight / k_weight, or 1 without; fp32, not rounded)
//   for each rotary pair (a, b) with frequency index i < rotary_dim / 2, at p = positions[t]:
//     out_a = n_a * cos - n_b * sin,   out_b = n_b * cos + n_a * sin
//   out_j = n_j for j >= rotary_dim (normalized, not rotated); rounded once to the out dtype.
// Pairs: neox (a, b) = (i, i + rotary_dim / 2), gptj (2i, 2i + 1).
// cos / sin: with cos_sin_cache (f32, (max_position, rotary_dim), contiguous; row p holds
// [cos(0 .. rotary_dim/2) | sin(0 .. rotary_dim/2)], vLLM's layout) from row p; positions
// outside [0, max_position) are clamped to the nearest row (positions are device data the
// host cannot check; a clamped read is never out of bounds, its result is that row's).
// Without a cache they are computed in the kernel: angle = fp32(p * inv_freq_i) with
// inv_freq_i = rope_theta^(-2i / rotary_dim) in fp32 (as HF / vLLM build their cache), then
// cos / sin of that fp32 angle after a reduction to [-pi, pi] (a negative position rotates
// backwards). The fp32 angle's own rounding (|angle| 2^-24 rad) is inherent, as in the cache.
// Shapes: q (..., q_heads, head_dim), k (..., k_heads, head_dim); the leading dims of each
// collapse into one token dimension (any token stride, any head stride: q / k views into a
// packed QKV buffer work as they are), head_dim contiguous. Same token count, head_dim and
// dtype (f32, f16, bf16) for q and k; head counts may differ (GQA / MQA). positions: i32,
// (tokens) contiguous. q_weight / k_weight (optional): head_dim contiguous elements of q's
// dtype, shared by all heads. rotary_dim: 0 = head_dim, else even and <= head_dim.
// Outputs: q_out (q's shape and dtype) and k_out (k's shape; k's dtype, or f16 for a 16-bit
// KV-cache write, which needs storageBuffer16BitAccess) with their own strides (a cache
// layout); unset = in place (q / k overwritten). A head runs on one workgroup with its values
// in registers: head_dim up to 256 x the largest workgroup (refused beyond); fewer than 2^32
// heads in all, q_heads and k_heads below 65536 each.
// NaN / Inf: a head holding NaN gives NaN for the whole head; one holding +-Inf (and no NaN)
// gives NaN at the infinite elements and at their rotary partners, 0 elsewhere (x / inf), as
// the fp64 formula does. A zero-size q / k (no tokens) records nothing.
// In place: q_out = q, k_out = k (or leave them unset); any other overlap is refused.
struct QkNormRopeArgs {
  Tensor q, k;                // (..., heads, head_dim)
  Tensor q_out, k_out;        // optional: unset = in place
  Tensor q_weight, k_weight;  // optional, head_dim elements of q's dtype
  Tensor positions;           // (tokens) i32
  Tensor cos_sin_cache;       // optional, (max_position, rotary_dim) f32
  uint32_t rotary_dim = 0;    // 0 = head_dim; even, <= head_dim
  RopeStyle style = RopeStyle::neox;
  float rope_theta = 10000.0f;  // without a cache: > 0, finite
  float eps = 1e-6f;
  const KernelConfig* config = nullptr;
};

// LayerNorm backward: from dy, x, weight (optional), mean and rstd (fp32, as the forward
// produced them) computes dx (optional), dweight and dbias (optional, x's dtype; they are
// accumulated in fp32 and rounded once).
// Deterministic: the same inputs give the same bits (no float atomics).
// In place: dx = dy (training engines reuse the gradient buffer). Safe on every path: each
// invocation reads the dy elements it later overwrites with dx, and nothing else reads them
// after (rows in registers: the row is loaded before its dx is written; split rows: the
// row-sums pass reads dy before a barrier, and the main pass again reads, per element, only
// what the same invocation then writes). dx must not alias x.
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

// RMSNorm backward over the trailing `normalized_rank` dimensions (the gradient of
// torch.nn.functional.rms_norm; Gemma's (1 + w) weight through weight_offset = 1). The forward
// is y = x * rstd * w_eff with rstd = 1 / sqrt(mean(x^2 over the row) + eps) and
//   w_eff = weight_offset + weight  (weight given),   w_eff = 1  (no weight).
// From dy, x, weight (optional) and rstd (fp32, one per row, as the forward produced it), with
// g = dy * w_eff and xhat = x * rstd over a row of D elements:
//   dx      = rstd * (g - xhat * mean(g * xhat))        (optional output)
//   dweight = sum over rows of dy * xhat                 (optional output, D elements)
// dx and dweight have x's dtype; dweight is accumulated in fp32 and rounded once. The normalized
// dimensions must be contiguous; the leading ones must collapse into one row dimension with a
// single stride (as LayerNorm's). A call with neither output does nothing.
// Deterministic: the same inputs give the same bits (no float atomics).
// In place: dx = dy, as LayerNormBackwardArgs (every path). dx must not alias x.
struct RmsNormBackwardArgs {
  Tensor dy, x;
  Tensor weight;              // optional (w_eff = 1 without it)
  float weight_offset = 0.0f;  // added to weight (Gemma: 1); unused without weight
  Tensor rstd;                // required, fp32, one per row
  Tensor dx;                  // optional output
  Tensor dweight;             // optional output, normalized shape
  int normalized_rank = 1;
  Tensor scratch;             // see rms_norm_backward_scratch_size()
  const KernelConfig* config = nullptr;
};

// BatchNorm over N and the spatial dimensions of x with shape (N, C, d1, ...), rank >= 2
// ((N, C) too), per channel c (torch.nn.BatchNorm1d/2d/3d, F.batch_norm):
//   training: mean, var = the batch mean and biased variance of x[:, c, ...] (N x spatial
//             values); y = (x - mean) * invstd * weight[c] + bias[c], invstd = 1/sqrt(var + eps);
//             save_mean = mean, save_invstd = invstd (optional fp32 outputs, C elements);
//             running_mean / running_var (optional, fp32, C elements; both or neither) are
//             updated in place with the UNBIASED variance, as torch does:
//               running_mean = momentum * mean + (1 - momentum) * running_mean
//               running_var  = momentum * var * n / (n - 1) + (1 - momentum) * running_var
//             momentum in [0, 1]. One value per channel (N x spatial = 1) is invalid_argument,
//             as torch's "Expected more than 1 value per channel when training".
//   eval:     y = (x - running_mean) / sqrt(running_var + eps) * weight + bias (running
//             statistics required, read only; save_* must be unset).
// weight / bias are optional, C contiguous elements of x's dtype. x and y have the same shape
// and dtype; the spatial dimensions must collapse into one strided dimension in both.
// Statistics: fp32, per-(channel, chunk) (count, mean, M2) partials around a shift near the
// data, merged exactly (Chan) in a fixed order: deterministic, no atomics, robust to large
// means. A zero-size x records nothing (running statistics unchanged, as torch).
// Config: workgroup_size, items_per_invocation (values per invocation per loop step),
// vector_width (4: 16-byte fp32 / 8-byte 16-bit accesses of 4 positions), split (about the
// chunks each channel's N x spatial values are divided into; a chunk is one workgroup of the
// statistics and of the normalization pass; large planes round it to a divisor of spatial).
// In place: y = x.
struct BatchNormArgs {
  Tensor x, y;
  Tensor weight, bias;                 // optional
  Tensor running_mean, running_var;    // fp32, updated in place (training), read (eval)
  Tensor save_mean, save_invstd;       // optional outputs (training), fp32
  bool training = true;
  float momentum = 0.1f;
  float eps = 1e-5f;
  Tensor scratch;  // training; see batch_norm_scratch_size()
  const KernelConfig* config = nullptr;
};

// An activation applied to a norm's output after its affine, in the same pass
// (GroupNormArgs::activation): y = act(normalized * weight + bias), computed in fp32 and
// rounded once to y's dtype.
enum class Activation : uint32_t {
  none = 0,
  silu = 1,       // y * sigmoid(y) (torch.nn.SiLU / F.silu): GroupNorm -> SiLU of diffusion UNets / VAEs
  gelu_tanh = 2,  // 0.5 y (1 + tanh(sqrt(2 / pi) (y + 0.044715 y^3))) (F.gelu(approximate="tanh"))
};

// GroupNorm over x with shape (N, C, d1, ...), rank >= 2 (torch.nn.GroupNorm, F.group_norm):
// the C channels form num_groups groups of C / num_groups consecutive channels; per sample n and
// group g, mean and biased variance over the group's channels and every spatial position;
//   y = (x - mean) * rstd * weight[c] + bias[c],  rstd = 1 / sqrt(var + eps).
// weight / bias: optional, C contiguous elements of x's dtype. mean / rstd: optional fp32
// outputs of N * num_groups elements (index n * num_groups + g), what torch's
// native_group_norm returns for its backward. num_groups must divide C. x and y have the same
// shape and dtype and are contiguous (row-major).
// Kernels: LayerNorm forward's, a group being a row of (C / num_groups) x spatial elements (one
// workgroup per row in registers, or long rows split over workgroups: a statistics and an apply
// pass); same statistics (corrected two-pass, shifted partials merged exactly), same config
// fields as LayerNormArgs. In place: y = x. A zero-size x records nothing. Results for NaN / Inf
// inputs are unspecified (not tested), as for the backward passes.
// activation (default none): applied to y after weight / bias in the same pass (SiLU: the
// fused GroupNorm -> SiLU of diffusion models; mean / rstd stay the statistics of x).
// Channels last (channels_last = true): x and y have shape (N, d1, ..., C), rank >= 2,
// contiguous row-major (torch's channels_last memory format seen as its permuted shape,
// x.permute(0, 2, 3, 1) of an NCHW tensor; the NHWC activations of many VAEs / UNets). The math,
// groups (C / num_groups consecutive channels), weight / bias (C), mean / rstd (index
// n * num_groups + g), activation, dtypes and in place are those above: per (n, g) the statistics
// run over every spatial position and the group's channels. Kernels: x is read as rows of C
// contiguous channels, never with a stride per element (aten's NHWC GroupNorm is ~2x slower
// than its NCHW one): (1) group_norm_nhwc_stats: a workgroup takes a chunk of positions and a
// block of channels, each invocation owning fixed channels (4 at a time where C, C / num_groups
// and the offsets allow) over the chunk's positions, read once in register batches around a
// shift near the data (the group's mean over the workgroup's first batch; exact two-pass per
// batch, Chan merges between batches); the channels of each group are merged exactly in shared
// memory to one (count, mean, M2) partial per (n, chunk, group); (2) group_norm_nhwc_merge: one
// workgroup per (n, g) merges them exactly in a fixed order (Chan, around the partials'
// directly averaged mean: a shift near the data that no short outlier chunk moves), writes
// mean / rstd; (3) group_norm_nhwc_apply: rows of C again, weight / bias / activation per
// channel. Deterministic (no atomics). Config: workgroup_size (a power of two), vector_width (1
// or 4), items_per_invocation (positions per register batch, <= 64), split (chunks per sample,
// at most the spatial size; the default follows one sample's shape, never N: batch invariant).
// Scratch: 16 bytes per partial and per (n, g). In place: y = x (the apply pass reads x only at
// the elements it writes, after every statistic is complete). Tensors larger than one binding
// are windowed over positions. prepare() by PrepareInfo covers the NCHW form only
// (prepare_group_norm(ctx, args) covers both).
struct GroupNormArgs {
  Tensor x, y;
  Tensor weight, bias;  // optional, C elements
  Tensor mean, rstd;    // optional fp32 outputs, N * num_groups elements
  int64_t num_groups = 1;
  float eps = 1e-5f;
  Activation activation = Activation::none;
  bool channels_last = false;  // x, y are (N, d1, ..., C): see "Channels last" above
  Tensor scratch;  // see group_norm_scratch_size()
  const KernelConfig* config = nullptr;
};

// InstanceNorm over x with shape (N, C, d1, ...), rank >= 3 (torch.nn.InstanceNorm1d/2d/3d,
// F.instance_norm), per sample n and channel c over the S = d1 x ... spatial positions:
//   use_input_stats (torch's training mode, and always without track_running_stats):
//     y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c] with the mean and biased variance
//     of x[n, c, ...] (GroupNorm with num_groups = C). S must be > 1 (torch: "Expected more
//     than 1 spatial element when training"). running_mean / running_var (optional, fp32, C
//     elements; both or neither) are updated in place as torch does (it runs BatchNorm on the
//     (1, N x C, ...) view and averages the N updated copies):
//       running_mean = momentum * mean_n(mean[n, c]) + (1 - momentum) * running_mean
//       running_var  = momentum * mean_n(var[n, c] * S / (S - 1)) + (1 - momentum) * running_var
//   !use_input_stats (eval with tracked statistics): y = (x - running_mean[c]) /
//     sqrt(running_var[c] + eps) * weight[c] + bias[c], running statistics required and read
//     only: BatchNorm's eval path (its config fields apply).
// weight / bias: optional, C contiguous elements of x's dtype. momentum in [0, 1]. Layout as
// GroupNormArgs. In place: y = x. A zero-size x records nothing (running statistics unchanged).
// Results for NaN / Inf inputs are unspecified.
struct InstanceNormArgs {
  Tensor x, y;
  Tensor weight, bias;               // optional, C elements
  Tensor running_mean, running_var;  // optional fp32, C elements: updated or read (see above)
  bool use_input_stats = true;
  float momentum = 0.1f;
  float eps = 1e-5f;
  Tensor scratch;  // see instance_norm_scratch_size()
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
Error rms_norm_backward_scratch_size(Context* ctx, const RmsNormBackwardArgs& args,
                                     VkDeviceSize* out_bytes);
Error rms_norm_last_scratch_size(Context* ctx, const RmsNormLastArgs& args, VkDeviceSize* out_bytes);
Error add_rms_norm_scratch_size(Context* ctx, const AddRmsNormArgs& args, VkDeviceSize* out_bytes);
Error add_layer_norm_scratch_size(Context* ctx, const AddLayerNormArgs& args, VkDeviceSize* out_bytes);
Error lp_norm_scratch_size(Context* ctx, const LpNormArgs& args, VkDeviceSize* out_bytes);
Error batch_norm_scratch_size(Context* ctx, const BatchNormArgs& args, VkDeviceSize* out_bytes);
Error group_norm_scratch_size(Context* ctx, const GroupNormArgs& args, VkDeviceSize* out_bytes);
Error instance_norm_scratch_size(Context* ctx, const InstanceNormArgs& args, VkDeviceSize* out_bytes);
Error frobenius_norm_scratch_size(Context* ctx, const FrobeniusNormArgs& args, VkDeviceSize* out_bytes);
Error ada_norm_scratch_size(Context* ctx, const AdaNormArgs& args, VkDeviceSize* out_bytes);
Error gated_rms_norm_scratch_size(Context* ctx, const GatedRmsNormArgs& args, VkDeviceSize* out_bytes);
Error qk_norm_rope_scratch_size(Context* ctx, const QkNormRopeArgs& args, VkDeviceSize* out_bytes);

// The configuration a call with these arguments would use (after validation).
Error select_config(Context* ctx, const RmsNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const LayerNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const LayerNormBackwardArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const RmsNormBackwardArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const RmsNormLastArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const AddRmsNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const AddLayerNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const LpNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const BatchNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const GroupNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const InstanceNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const FrobeniusNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const AdaNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const GatedRmsNormArgs& args, KernelConfig* out);
Error select_config(Context* ctx, const QkNormRopeArgs& args, KernelConfig* out);

// Record the operator into `cmd` (which must be in the recording state and support compute).
// Pipelines are created on first use of a (kernel, dtype, config) key unless prepared
// before with the same arguments through prepare_*, or without buffers through prepare()
// (see "Pipeline creation ahead of time" below); prepare to keep pipeline creation off
// latency-critical paths.
Error record_rms_norm(Context* ctx, VkCommandBuffer cmd, const RmsNormArgs& args);
Error record_layer_norm(Context* ctx, VkCommandBuffer cmd, const LayerNormArgs& args);
Error record_layer_norm_backward(Context* ctx, VkCommandBuffer cmd,
                                 const LayerNormBackwardArgs& args);
Error record_rms_norm_backward(Context* ctx, VkCommandBuffer cmd, const RmsNormBackwardArgs& args);
Error record_rms_norm_last(Context* ctx, VkCommandBuffer cmd, const RmsNormLastArgs& args);
Error record_add_rms_norm(Context* ctx, VkCommandBuffer cmd, const AddRmsNormArgs& args);
Error record_add_layer_norm(Context* ctx, VkCommandBuffer cmd, const AddLayerNormArgs& args);
Error record_lp_norm(Context* ctx, VkCommandBuffer cmd, const LpNormArgs& args);
Error record_batch_norm(Context* ctx, VkCommandBuffer cmd, const BatchNormArgs& args);
Error record_group_norm(Context* ctx, VkCommandBuffer cmd, const GroupNormArgs& args);
Error record_instance_norm(Context* ctx, VkCommandBuffer cmd, const InstanceNormArgs& args);
Error record_frobenius_norm(Context* ctx, VkCommandBuffer cmd, const FrobeniusNormArgs& args);
Error record_ada_norm(Context* ctx, VkCommandBuffer cmd, const AdaNormArgs& args);
Error record_gated_rms_norm(Context* ctx, VkCommandBuffer cmd, const GatedRmsNormArgs& args);
Error record_qk_norm_rope(Context* ctx, VkCommandBuffer cmd, const QkNormRopeArgs& args);

Error prepare_rms_norm(Context* ctx, const RmsNormArgs& args);
Error prepare_layer_norm(Context* ctx, const LayerNormArgs& args);
Error prepare_layer_norm_backward(Context* ctx, const LayerNormBackwardArgs& args);
Error prepare_rms_norm_backward(Context* ctx, const RmsNormBackwardArgs& args);
Error prepare_rms_norm_last(Context* ctx, const RmsNormLastArgs& args);
Error prepare_add_rms_norm(Context* ctx, const AddRmsNormArgs& args);
Error prepare_add_layer_norm(Context* ctx, const AddLayerNormArgs& args);
Error prepare_lp_norm(Context* ctx, const LpNormArgs& args);
Error prepare_batch_norm(Context* ctx, const BatchNormArgs& args);
Error prepare_group_norm(Context* ctx, const GroupNormArgs& args);
Error prepare_instance_norm(Context* ctx, const InstanceNormArgs& args);
Error prepare_frobenius_norm(Context* ctx, const FrobeniusNormArgs& args);
Error prepare_ada_norm(Context* ctx, const AdaNormArgs& args);
Error prepare_gated_rms_norm(Context* ctx, const GatedRmsNormArgs& args);
Error prepare_qk_norm_rope(Context* ctx, const QkNormRopeArgs& args);

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
Error describe_dispatches(Context* ctx, const RmsNormBackwardArgs& args,
                          std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const RmsNormLastArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const AddRmsNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const AddLayerNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const LpNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const BatchNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const GroupNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const InstanceNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const FrobeniusNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const AdaNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const GatedRmsNormArgs& args, std::vector<DispatchInfo>* out);
Error describe_dispatches(Context* ctx, const QkNormRopeArgs& args, std::vector<DispatchInfo>* out);

// One verb per action, overloaded on the args type. VKNORM_OPERATORS(X) names every operator
// once, as X(name, Args); from it, for every Args:
//   scratch_size(ctx, args, &bytes)  = <name>_scratch_size
//   prepare(ctx, args)               = prepare_<name>
//   record(ctx, cmd, args)           = record_<name>
// beside the overloads select_config(ctx, args, &cfg) and describe_dispatches(ctx, args, &out)
// above. Generic engine code can then hold any operator's args and call the same verbs. The
// named functions stay, with the same behaviour, as aliases until 1.0 (CHANGELOG).
#define VKNORM_OPERATORS(X)                                                                 \
  X(rms_norm, RmsNormArgs) X(layer_norm, LayerNormArgs)                                     \
  X(layer_norm_backward, LayerNormBackwardArgs) X(rms_norm_backward, RmsNormBackwardArgs)   \
  X(rms_norm_last, RmsNormLastArgs) X(add_rms_norm, AddRmsNormArgs)                         \
  X(add_layer_norm, AddLayerNormArgs) X(lp_norm, LpNormArgs) X(batch_norm, BatchNormArgs)   \
  X(group_norm, GroupNormArgs) X(instance_norm, InstanceNormArgs)                           \
  X(frobenius_norm, FrobeniusNormArgs) X(ada_norm, AdaNormArgs)                            \
  X(gated_rms_norm, GatedRmsNormArgs) X(qk_norm_rope, QkNormRopeArgs)
#define VKNORM_DETAIL_VERBS(name, Args)                                                      \
  inline Error scratch_size(Context* ctx, const Args& args, VkDeviceSize* out_bytes) {       \
    return name##_scratch_size(ctx, args, out_bytes);                                        \
  }                                                                                          \
  inline Error prepare(Context* ctx, const Args& args) { return prepare_##name(ctx, args); } \
  inline Error record(Context* ctx, VkCommandBuffer cmd, const Args& args) {                 \
    return record_##name(ctx, cmd, args);                                                    \
  }
VKNORM_OPERATORS(VKNORM_DETAIL_VERBS)
#undef VKNORM_DETAIL_VERBS

// Roofline helper for benchmarks: y[i] = x[i] over `bytes` bytes (multiple of 16) with the same
// access pattern vknorm's kernels use. Both tensors are read as raw bytes.
Error record_copy(Context* ctx, VkCommandBuffer cmd, const Tensor& src, const Tensor& dst,
                  VkDeviceSize bytes);

// ---------------------------------------------------------------------------------------------
// Pipeline creation ahead of time
//
// A call creates the compute pipelines it uses on first use of their key (kernel, dtype,
// binding mode, reduction mode, specialization constants from the selected config) and keeps
// them for the context's lifetime; later calls with the same key reuse them. Creating a
// pipeline compiles SPIR-V in the driver, so the first call of a shape class pays for 1 to 3
// pipelines (rms_norm 1; layer_norm 1, or 2 when rows are split; backward up to 3). Measured on
// lavapipe (Mesa 22.3, LLVM 15, 2 CPU cores; tests/test_api.cpp, "first-call cost"): 20-25 ms
// per pipeline, 25-35 ms with the validation layer on.
// A VkPipelineCache (ContextCreateInfo::pipeline_cache) that the engine saves and reloads makes
// later runs cheaper on drivers whose cache keeps compiled code (GPU drivers generally do; not
// measured here). lavapipe's cache does not: a warm VkPipelineCache gave the same 20-25 ms
// there, and only Mesa's own disk cache helped (about 15 ms).
// prepare() moves that cost to load time, without buffers.

// The facts that decide which pipelines a call uses, for a call whose tensors are contiguous
// (row-major, as Tensor::contiguous makes them). Where the scratch comes from (args.scratch or
// the context's) and which optional tensors are given (weight, bias, mean, rstd, dx) do not
// change the pipelines. For strided tensors, use prepare_rms_norm() etc. with the real
// arguments.
struct PrepareInfo {
  Op op = Op::rms_norm;
  DType dtype = DType::f32;
  int rank = 0;
  int64_t shape[kMaxRank] = {};  // of x (rms_norm, layer_norm) or of x / dy (backward)
  int normalized_rank = 1;       // layer_norm, layer_norm_backward, rms_norm_backward: as in the args
  // Some tensor of the call is given by address (implied when the context has no push
  // descriptors: DeviceInfo::buffers_need_device_address).
  bool by_address = false;
  // Every tensor's offset (or address) is a multiple of 4 elements (16 bytes for f32, 8 for
  // 16-bit), which lets the selector pick 4-wide kernels where the shape allows. Set false if
  // some offset is not: the call then uses scalar kernels.
  bool aligned = true;
  // layer_norm_backward / rms_norm_backward: dweight (or dbias) is requested (a pass that sums
  // column partials is added when the rows need several blocks). A backward call with neither
  // and no dx does nothing, so prepare does nothing for it either.
  bool weight_grads = true;
  // rms_norm_last, add_rms_norm, ada_norm: y holds 8-bit codes (its own pipeline per format):
  // int8_output (int8, as in 0.2), or output_dtype i8 / f8_e4m3 / f8_e5m2 (any other
  // output_dtype: y has x's dtype). Other optional tensors (residual_out, rstd, weight, y_scale) do not change the pipelines.
  bool int8_output = false;
  DType output_dtype = DType::f32;
  // rms_norm_last, add_rms_norm: a quantized y's dynamic scale per group of this many elements
  // (as in the args; each group size has its own pipelines). 0: one scale per row.
  int64_t scale_group_size = 0;
  int64_t num_groups = 1;  // group_norm: as in the args (instance_norm: C, implied)
  Activation activation = Activation::none;  // group_norm: as in the args (its own pipelines)
  bool add_bias = false;  // add_layer_norm, add_rms_norm: the call has an add_bias (its own pipelines)
  // ada_norm: the norm and which optional inputs the call has (each combination has its own
  // pipelines; per-sample or per-token modulation does not matter).
  NormKind norm = NormKind::layer;
  bool residual = false, gate = false, scale = true, shift = true;
  bool norm_before_gate = true;  // gated_rms_norm: as in the args
  // rms_norm_last, add_rms_norm, layer_norm, add_layer_norm, group_norm, ada_norm,
  // gated_rms_norm: weight / bias are fp32 beside 16-bit x (mixed precision; their own pipelines).
  bool f32_params = false;
  bool f32_residual = false;  // add_rms_norm: residual / residual_out are fp32 beside 16-bit x
  // qk_norm_rope: shape is q's (tokens, q_heads, head_dim); k has kv_heads heads (0: q_heads);
  // k_out_f16: k_out is f16 while q is f32 / bf16 (its own module). Style, rotary_dim, the
  // cache and the weights do not change the pipelines.
  int64_t kv_heads = 0;
  bool k_out_f16 = false;
  const KernelConfig* config = nullptr;  // the override the call passes in args.config, if any

  // Convenience: op, dtype and shape (up to kMaxRank dimensions) in one expression.
  static PrepareInfo make(Op op, DType dtype, const std::vector<int64_t>& shape,
                          int normalized_rank = 1);
};

// Creates every pipeline that a record_* call described by `info` would use. No buffer is
// needed and nothing is dereferenced or recorded; the only Vulkan calls are pipeline (and
// pipeline-layout) creation. Errors are those the call would report for this shape
// (invalid_argument, unsupported), or out_of_memory / vulkan_error from pipeline creation.
// Safe to call from several threads, and again (already created pipelines are found).
Error prepare(Context* ctx, const PrepareInfo& info);

// How many compute pipelines the context has created so far. A record_* call whose pipelines
// were all prepared leaves it unchanged (tests use this; engines may log it).
size_t pipeline_count(const Context* ctx);

// =============================================================================================
// Text forms and the tuning cache. One text form per value: a KernelConfig is written by
// to_string (above) and read back by parse_config; tools print and read configs only through
// this pair, and write the tuning cache only through write_tuning_cache.

// Reads a KernelConfig: what to_string writes ("wg=256 items=64 vec=4 csplit=1 split=1 rows=1
// wave=0 (table:hopper)"; the trailing "(source)" is optional, "()" is an empty source) and the
// field names of KernelConfig as keys (workgroup_size=, items_per_invocation=, vector_width=,
// channel_split=, split=, rows_per_workgroup=, wave_bytes=). Pairs are separated by ',' or
// whitespace, in any order; a field not given is 0 (not set); case_class is not part of the
// text. invalid_argument, with *out unchanged, for an unknown key, a value that is not an
// unsigned decimal integer or too large for its field, a field given twice, or text after the
// source. parse_config(to_string(c)) gives c back (but for case_class).
Error parse_config(const std::string& text, KernelConfig* out);

// The autotune cache file (ContextCreateInfo::tuning_cache_path), as `vknorm-bench --tune`
// writes it: entries keyed by device UUID, driver version and case class.
struct TuningCacheEntry {
  std::string device_uuid;      // 32 lowercase hex digits (read back; the writer uses its device)
  uint32_t driver_version = 0;  // DeviceInfo::driver_version (read back, as device_uuid)
  std::string case_class;       // KernelConfig::case_class of the calls the entry applies to
  KernelConfig config;          // read back with source "tuned"
  double tuned_ms = 0, baseline_ms = 0;  // informational
};

// DeviceInfo::uuid as 32 lowercase hex digits, the form the tuning cache keys on.
std::string device_uuid_string(const DeviceInfo& info);

// Every entry of the file at `path`; a missing file gives none. invalid_argument when the file
// cannot be read or is malformed (the message names the line).
Error read_tuning_cache(const std::string& path, std::vector<TuningCacheEntry>* out);

// Merges `entries`, measured on `device` (its UUID and driver version key them), into the file
// at `path`, creating it: an entry replaces one with the same key, entries of other devices and
// drivers are kept. The file is replaced atomically (written beside it, then renamed).
// invalid_argument when the existing file is malformed, an entry has no case_class, or the file
// cannot be written.
Error write_tuning_cache(const std::string& path, const DeviceInfo& device,
                         const std::vector<TuningCacheEntry>& entries);

// What a context on `physical_device` would report in device_info(), read without a VkDevice
// or a context (for tools that list devices). The device's fields are those a context reads;
// `enabled` holds every vknorm feature the device supports (a context reports the subset the
// engine enabled), shared_memory_reduction is the path a context uses unless forced, and
// buffers_need_device_address follows from push-descriptor support. Errors as
// query_device_requirements.
Error query_device_info(VkInstance instance, VkPhysicalDevice physical_device,
                        PFN_vkGetInstanceProcAddr get_instance_proc_addr, DeviceInfo* out);

// =============================================================================================

}  // namespace vknorm
