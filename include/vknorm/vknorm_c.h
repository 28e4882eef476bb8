/* vknorm C API: the whole of vknorm/vknorm.h for C99 (and C++) callers and language bindings.
 *
 * It is a thin layer over the C++ API (src/c_api.cpp) and keeps its contracts: read
 * include/vknorm/vknorm.h for the synchronization contract, what each operator computes, the
 * preconditions of tensors and the NaN/Inf behaviour. This header only states what is C-specific.
 *
 * Ownership: a vknorm_context borrows the engine's VkInstance, VkPhysicalDevice, VkDevice and
 *   pipeline cache (they must outlive it) and owns its pipelines and optional scratch;
 *   vknorm_destroy_context() frees them. Every struct below is a plain value owned by the caller;
 *   the library keeps no pointer to one after a call returns. Strings returned as `const char*`
 *   (names, extension names, the version) are static and never freed.
 * Threading: as in C++: a context may be used from several threads at once; a command buffer
 *   passed to one call must not be used concurrently.
 * Errors: functions that can fail return a vknorm_status. On failure nothing has been recorded
 *   into the command buffer, out-handles are NULL and other out-values are zeroed. Each such
 *   call also sets the calling thread's last error message: the reason on failure, "" on success;
 *   read it with vknorm_last_error_message() or vknorm_copy_last_error(). Functions that cannot
 *   fail (names, sizes, *_init, tensor helpers) leave it alone. No C++ exception crosses this
 *   API: a failed host allocation (or any other exception) gives VKNORM_STATUS_OUT_OF_MEMORY.
 * Structs: plain C structs without sType/size fields (as in VulkanMemoryAllocator). They may
 *   grow in a minor release before 1.0, so initialize them with the vknorm_*_init() functions (or
 *   zero them) and compile against the header of the library you link; bindings that redeclare
 *   them can compare vknorm_version() with VKNORM_HEADER_VERSION at startup.
 * Optional tensors are zeroed ones (no buffer and no address).
 */
#ifndef VKNORM_VKNORM_C_H_
#define VKNORM_VKNORM_C_H_

#include <vulkan/vulkan.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Version */

#define VKNORM_VERSION_MAJOR 0
#define VKNORM_VERSION_MINOR 2
#define VKNORM_VERSION_PATCH 0
#define VKNORM_MAKE_VERSION(major, minor, patch) \
  ((((uint32_t)(major)) << 22) | (((uint32_t)(minor)) << 12) | ((uint32_t)(patch)))
#define VKNORM_HEADER_VERSION VKNORM_MAKE_VERSION(VKNORM_VERSION_MAJOR, VKNORM_VERSION_MINOR, VKNORM_VERSION_PATCH)

/* The library's version, "0.2.0". */
const char* vknorm_version_string(void);
/* The library's version packed with VKNORM_MAKE_VERSION (compare with VKNORM_HEADER_VERSION). */
uint32_t vknorm_version(void);

/* ------------------------------------------------------------------------------------------ */
/* Status and errors (values equal vknorm::Status) */

typedef enum vknorm_status {
  VKNORM_STATUS_OK = 0,
  VKNORM_STATUS_INVALID_ARGUMENT = 1, /* a bad shape, stride, dtype pairing, size, offset or eps */
  VKNORM_STATUS_UNSUPPORTED = 2,      /* valid, but this device (or its enabled features) cannot */
  VKNORM_STATUS_OUT_OF_MEMORY = 3,    /* a Vulkan or host allocation failed */
  VKNORM_STATUS_VULKAN_ERROR = 4,     /* any other Vulkan failure, with the VkResult in the message */
  VKNORM_STATUS_MAX_ENUM = 0x7FFFFFFF
} vknorm_status;

/* "ok", "invalid_argument", ...; "unknown" for other values. */
const char* vknorm_status_name(vknorm_status status);
/* The calling thread's last error message ("" after a success); valid until the thread's next
 * status-returning vknorm call. Never NULL. */
const char* vknorm_last_error_message(void);
/* Copies the last error message into buf (truncated, always NUL-terminated when buf_size > 0;
 * buf may be NULL when buf_size is 0). Returns the length it needs including the NUL. */
size_t vknorm_copy_last_error(char* buf, size_t buf_size);

/* ------------------------------------------------------------------------------------------ */
/* Tensors */

typedef enum vknorm_dtype {
  VKNORM_DTYPE_F32 = 0,
  VKNORM_DTYPE_F16 = 1,  /* needs storageBuffer16BitAccess */
  VKNORM_DTYPE_BF16 = 2, /* needs storageBuffer16BitAccess */
  VKNORM_DTYPE_I8 = 3,   /* int8, quantized outputs only; needs storageBuffer8BitAccess */
  VKNORM_DTYPE_I32 = 4,  /* int32, index inputs only (qk_norm_rope's positions) */
  VKNORM_DTYPE_F8_E4M3 = 5, /* float8 e4m3fn, quantized outputs only; needs storageBuffer8BitAccess */
  VKNORM_DTYPE_F8_E5M2 = 6, /* float8 e5m2, quantized outputs only; needs storageBuffer8BitAccess */
  VKNORM_DTYPE_MAX_ENUM = 0x7FFFFFFF
} vknorm_dtype;

/* "f32", "f16", "bf16", "i8"; "unknown" for other values. */
const char* vknorm_dtype_name(vknorm_dtype dtype);
/* Bytes per element (4, 2 or 1). */
size_t vknorm_dtype_size(vknorm_dtype dtype);

#define VKNORM_MAX_RANK 8

/* vknorm::Tensor: buffer + offset, or a device address; shape and strides in elements. */
typedef struct vknorm_tensor {
  VkBuffer buffer;
  VkDeviceSize offset;
  VkDeviceAddress address;
  VkDeviceSize size; /* bytes accessible from offset (or address) on */
  vknorm_dtype dtype;
  int32_t rank;
  int64_t shape[VKNORM_MAX_RANK];
  int64_t strides[VKNORM_MAX_RANK];
} vknorm_tensor;

/* A row-major contiguous tensor in `buffer` (a rank outside 1..8 or a NULL shape gives a tensor
 * the operators reject with VKNORM_STATUS_INVALID_ARGUMENT). */
vknorm_tensor vknorm_tensor_contiguous(VkBuffer buffer, VkDeviceSize offset, VkDeviceSize size,
                                       vknorm_dtype dtype, int32_t rank, const int64_t* shape);
/* The same at a device address (needs bufferDeviceAddress). */
vknorm_tensor vknorm_tensor_contiguous_at(VkDeviceAddress address, VkDeviceSize size, vknorm_dtype dtype,
                                          int32_t rank, const int64_t* shape);
/* Any strided view (strides in elements); `size` is set to the bytes the view needs
 * (vknorm::Tensor::strided). A bad rank, NULL arrays or negative strides give a tensor the
 * operators reject. */
vknorm_tensor vknorm_tensor_strided(VkBuffer buffer, VkDeviceSize offset, vknorm_dtype dtype, int32_t rank,
                                    const int64_t* shape, const int64_t* strides);
/* The same at a device address. */
vknorm_tensor vknorm_tensor_strided_at(VkDeviceAddress address, vknorm_dtype dtype, int32_t rank,
                                       const int64_t* shape, const int64_t* strides);
/* Bytes from offset (or address) on that the view touches (0 for empty or malformed views). */
VkDeviceSize vknorm_tensor_bytes_needed(const vknorm_tensor* tensor);

/* ------------------------------------------------------------------------------------------ */
/* Device requirements */

/* vknorm::EnabledFeatures. */
typedef struct vknorm_device_features {
  VkBool32 push_descriptor;          /* VK_KHR_push_descriptor: VkBuffer tensors */
  VkBool32 buffer_device_address;    /* bufferDeviceAddress: address tensors */
  VkBool32 storage_buffer_16bit;     /* storageBuffer16BitAccess: f16 / bf16 tensors */
  VkBool32 storage_buffer_8bit;      /* storageBuffer8BitAccess: int8 outputs (optional) */
  VkBool32 subgroup_size_control;    /* VK_EXT_subgroup_size_control (optional, tuning) */
  VkBool32 pipeline_executable_info; /* VK_KHR_pipeline_executable_properties (profiling) */
} vknorm_device_features;

#define VKNORM_MAX_DEVICE_EXTENSIONS 16

/* What vknorm can use on a physical device. The extension names are static strings, so
 * `extensions` / `extension_count` can go straight into VkDeviceCreateInfo. */
typedef struct vknorm_device_requirements {
  vknorm_device_features supported;          /* what the physical device supports */
  vknorm_device_features features_to_enable; /* what vknorm asks the engine to enable */
  uint32_t api_version;                      /* the physical device's apiVersion */
  uint32_t extension_count;                  /* device extensions to enable (supported ones) */
  const char* extensions[VKNORM_MAX_DEVICE_EXTENSIONS];
  uint32_t optional_extension_count;         /* profiling / tuning only: never needed */
  const char* optional_extensions[VKNORM_MAX_DEVICE_EXTENSIONS];
} vknorm_device_requirements;

/* Queries what vknorm can use on `physical_device` (get_instance_proc_addr is required). */
vknorm_status vknorm_query_device_requirements(VkInstance instance, VkPhysicalDevice physical_device,
                                               PFN_vkGetInstanceProcAddr get_instance_proc_addr,
                                               vknorm_device_requirements* out);

/* Storage for the feature structures that enable a vknorm_device_features (vknorm::DeviceFeatureChain). */
typedef struct vknorm_device_feature_chain {
  VkPhysicalDeviceFeatures2 features2; /* the head: &features2 goes into VkDeviceCreateInfo::pNext */
  VkPhysicalDevice16BitStorageFeatures storage16;
  VkPhysicalDeviceBufferDeviceAddressFeatures bda;
  VkPhysicalDevice8BitStorageFeatures storage8;
  VkPhysicalDeviceSubgroupSizeControlFeatures subgroup_size_control;
  VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR executable_properties;
} vknorm_device_feature_chain;

/* For engines without a chain of their own: fills *out (pNext links point into *out: keep it in
 * place until vkCreateDevice returns) with the bits of `enable` (usually
 * &req.features_to_enable); only structures that enable something are linked. */
vknorm_status vknorm_fill_device_feature_chain(const vknorm_device_features* enable,
                                               vknorm_device_feature_chain* out);

/* For engines with their own chain (vknorm::add_device_features): sets the bits of `features` in
 * create_info's pNext chain in place, in the VkPhysicalDeviceVulkan11/12/13Features or individual
 * structures already there, and links a structure of *storage only for a feature that nothing in
 * the chain carries. Set ppEnabledExtensionNames first. `device_api_version`: the version the
 * device is used at. Keep *storage in place until vkCreateDevice returns. */
vknorm_status vknorm_add_device_features(const vknorm_device_features* features, uint32_t device_api_version,
                                         VkDeviceCreateInfo* create_info, vknorm_device_feature_chain* storage);

/* ------------------------------------------------------------------------------------------ */
/* Context */

typedef struct vknorm_context_t* vknorm_context;

/* vknorm::DeviceLimits: limits lower than the device's, the context plans within them and
 * checks every dispatch against them before recording; 0 / VK_FALSE keeps the device's. */
typedef struct vknorm_device_limits {
  uint32_t max_workgroup_invocations;
  uint32_t max_workgroup_count; /* every dimension */
  uint32_t max_shared_memory_bytes;
  uint64_t max_storage_buffer_range;
  uint32_t min_storage_buffer_offset_alignment; /* a power of two */
  VkBool32 no_subgroup_arithmetic;
} vknorm_device_limits;

/* Fills *out with a named profile ("mobile", "integrated"; vknorm::device_limits_profile). */
vknorm_status vknorm_device_limits_profile(const char* name, vknorm_device_limits* out);

/* vknorm::ContextCreateInfo. */
typedef struct vknorm_context_create_info {
  VkInstance instance;
  VkPhysicalDevice physical_device;
  VkDevice device;
  PFN_vkGetInstanceProcAddr get_instance_proc_addr; /* required */
  VkPipelineCache pipeline_cache;                   /* optional, borrowed */
  vknorm_device_features enabled;                   /* what the engine enabled on `device` */
  VkDeviceSize context_scratch_bytes;               /* device-local scratch the context owns */
  VkBool32 force_shared_memory_reduction;           /* testing */
  const char* tuning_cache_path;                    /* vknorm-bench --tune cache; NULL: none */
  const vknorm_device_limits* limits;               /* optional, read during the call */
  VkBool32 batch_invariant;                         /* rows' bits independent of the batch */
  uint32_t virtual_subgroup_size;                   /* testing: 64 / 128 virtual lanes, 0: off */
} vknorm_context_create_info;

/* Zeroes *info (every field's default is 0 / NULL). */
void vknorm_context_create_info_init(vknorm_context_create_info* info);
/* Creates a context; *out_context is NULL on failure. */
vknorm_status vknorm_create_context(const vknorm_context_create_info* info, vknorm_context* out_context);
/* Destroys a context (NULL is allowed); the engine waits for its GPU work first. */
void vknorm_destroy_context(vknorm_context context);

typedef enum vknorm_device_class {
  VKNORM_DEVICE_CLASS_GENERIC = 0,
  VKNORM_DEVICE_CLASS_ADA = 1,
  VKNORM_DEVICE_CLASS_HOPPER = 2,
  VKNORM_DEVICE_CLASS_LAVAPIPE = 3,
  VKNORM_DEVICE_CLASS_MAX_ENUM = 0x7FFFFFFF
} vknorm_device_class;

/* "generic", "ada", "hopper", "lavapipe"; "unknown" for other values. */
const char* vknorm_device_class_name(vknorm_device_class device_class);

/* vknorm::DeviceInfo: what the context found on the device. */
typedef struct vknorm_device_info {
  char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
  vknorm_device_class device_class;
  uint32_t vendor_id, device_id, driver_version, api_version;
  uint32_t driver_id; /* VkDriverId, 0 if unknown */
  uint8_t uuid[VK_UUID_SIZE];
  uint32_t subgroup_size, min_subgroup_size, max_subgroup_size;
  VkBool32 subgroup_arithmetic;     /* in compute shaders */
  VkBool32 shared_memory_reduction; /* the context uses the shared-memory fallback */
  uint32_t max_workgroup_invocations, max_shared_memory_bytes;
  uint64_t max_storage_buffer_range;
  uint32_t min_storage_buffer_offset_alignment;
  uint32_t multiprocessor_count; /* 0 if unknown */
  vknorm_device_features enabled;
  /* VK_TRUE: the context binds tensors by address by default (no push descriptors), so every
   * VkBuffer needs VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT (vknorm.h, "Buffer requirements"). */
  VkBool32 buffers_need_device_address;
  VkBool32 limits_lowered; /* vknorm_context_create_info::limits lowered at least one limit */
  uint32_t virtual_subgroup_size; /* vknorm_context_create_info::virtual_subgroup_size */
} vknorm_device_info;

/* Copies the context's device information into *out. */
vknorm_status vknorm_get_device_info(vknorm_context context, vknorm_device_info* out);
/* Whether the context can run tensors of `dtype` (VK_FALSE for a NULL context). */
VkBool32 vknorm_supports_dtype(vknorm_context context, vknorm_dtype dtype);

/* ------------------------------------------------------------------------------------------ */
/* Configurations */

typedef enum vknorm_op {
  VKNORM_OP_RMS_NORM = 0,
  VKNORM_OP_LAYER_NORM_FORWARD = 1,
  VKNORM_OP_LAYER_NORM_BACKWARD = 2,
  VKNORM_OP_RMS_NORM_LAST = 3,
  VKNORM_OP_ADD_RMS_NORM = 4,
  VKNORM_OP_RMS_NORM_BACKWARD = 5,
  VKNORM_OP_GROUP_NORM = 6,
  VKNORM_OP_INSTANCE_NORM = 7,
  VKNORM_OP_LP_NORM = 9,
  VKNORM_OP_FROBENIUS_NORM = 10,
  VKNORM_OP_BATCH_NORM = 11,
  VKNORM_OP_ADD_LAYER_NORM = 12,
  VKNORM_OP_ADA_NORM = 13,
  VKNORM_OP_GATED_RMS_NORM = 14,
  VKNORM_OP_QK_NORM_ROPE = 15,
  VKNORM_OP_MAX_ENUM = 0x7FFFFFFF
} vknorm_op;

/* "rms_norm", "layer_norm", "layer_norm_backward", "rms_norm_last", "add_rms_norm",
 * "rms_norm_backward", "add_layer_norm", "batch_norm", "lp_norm", "group_norm", "instance_norm",
 * "frobenius_norm"; "unknown" for other values. */
const char* vknorm_op_name(vknorm_op op);

#define VKNORM_MAX_NAME_SIZE 128

/* vknorm::KernelConfig. As an override, fields left 0 are filled by the selector and the two
 * strings are ignored; read back, the strings are NUL-terminated (truncated if ever longer). */
typedef struct vknorm_kernel_config {
  uint32_t workgroup_size;
  uint32_t items_per_invocation;
  uint32_t vector_width;
  uint32_t channel_split;
  uint32_t split;
  uint32_t rows_per_workgroup;
  uint64_t wave_bytes;
  char source[VKNORM_MAX_NAME_SIZE];     /* "table:hopper", "tuned", "caller", ... */
  char case_class[VKNORM_MAX_NAME_SIZE]; /* the tuning-cache key of the call */
} vknorm_kernel_config;

/* Formats a configuration like vknorm::to_string into buf (truncated, NUL-terminated when
 * buf_size > 0). Returns the length it needs including the NUL; 0 if config is NULL. */
size_t vknorm_config_to_string(const vknorm_kernel_config* config, char* buf, size_t buf_size);

/* ------------------------------------------------------------------------------------------ */
/* Dispatch descriptions (profiling tools) */

/* vknorm::DispatchInfo: one dispatch of a call (vknorm_describe_dispatches_<op>, below). */
typedef struct vknorm_dispatch_info {
  char kernel[VKNORM_MAX_NAME_SIZE]; /* e.g. "layer_norm_apply.f32" */
  uint32_t groups[3];
  uint32_t workgroup_size;
  VkPipeline pipeline;
} vknorm_dispatch_info;

/* ------------------------------------------------------------------------------------------ */
/* Operators
 *
 * Each operator <op> below has an argument struct vknorm_<op>_args (the fields of its
 * vknorm::<Op>Args, same names, same order; see vknorm.h for their semantics) and six functions,
 * declared right after the struct by VKNORM_DECLARE_OPERATOR(<op>):
 *
 * void vknorm_<op>_args_init(vknorm_<op>_args* args);
 *   Zeroes *args and sets the defaults of vknorm::<Op>Args (given at each struct); NULL: no-op.
 * vknorm_status vknorm_<op>_scratch_size(vknorm_context ctx, const vknorm_<op>_args* args,
 *                                        VkDeviceSize* out_bytes);
 *   Scratch bytes a call with these arguments needs in args->scratch (0 if none; always 0 for
 *   operators without a scratch field).
 * vknorm_status vknorm_select_config_<op>(vknorm_context ctx, const vknorm_<op>_args* args,
 *                                         vknorm_kernel_config* out);
 *   The configuration a call with these arguments would use.
 * vknorm_status vknorm_prepare_<op>(vknorm_context ctx, const vknorm_<op>_args* args);
 *   Creates the pipelines a call with these arguments needs; records nothing.
 * vknorm_status vknorm_record_<op>(vknorm_context ctx, VkCommandBuffer cmd,
 *                                  const vknorm_<op>_args* args);
 *   Records the operator into cmd (recording state, compute-capable).
 * vknorm_status vknorm_describe_dispatches_<op>(vknorm_context ctx, const vknorm_<op>_args* args,
 *                                               uint32_t* count, vknorm_dispatch_info* out);
 *   The dispatches a call with these arguments records (creating its pipelines). Two-call
 *   idiom: with out == NULL, *count receives the number of dispatches; otherwise *count is the
 *   capacity of out on entry, min(capacity, number) entries are written, and *count receives
 *   the number of dispatches (larger than the capacity if out was too small).
 *
 * Every field of a struct is written out below; the optional config points to an override
 * (fields left 0 are filled by the selector), NULL for none. */
#define VKNORM_DECLARE_OPERATOR(op)                                                                \
  void vknorm_##op##_args_init(vknorm_##op##_args* args);                                           \
  vknorm_status vknorm_##op##_scratch_size(vknorm_context ctx, const vknorm_##op##_args* args,      \
                                           VkDeviceSize* out_bytes);                                \
  vknorm_status vknorm_select_config_##op(vknorm_context ctx, const vknorm_##op##_args* args,       \
                                          vknorm_kernel_config* out);                               \
  vknorm_status vknorm_prepare_##op(vknorm_context ctx, const vknorm_##op##_args* args);            \
  vknorm_status vknorm_record_##op(vknorm_context ctx, VkCommandBuffer cmd,                         \
                                   const vknorm_##op##_args* args);                                 \
  vknorm_status vknorm_describe_dispatches_##op(vknorm_context ctx, const vknorm_##op##_args* args, \
                                                uint32_t* count, vknorm_dispatch_info* out)

/* RMSNorm (vknorm::RmsNormArgs). args_init: eps = 1e-5. Scratch: always 0 bytes. */
typedef struct vknorm_rms_norm_args {
  vknorm_tensor x, y;
  vknorm_tensor weight;               /* optional */
  float eps;                          /* default 1e-5 */
  const vknorm_kernel_config* config; /* optional override */
} vknorm_rms_norm_args;
VKNORM_DECLARE_OPERATOR(rms_norm);

/* LayerNorm (vknorm::LayerNormArgs). args_init: normalized_rank = 1, eps = 1e-5. */
typedef struct vknorm_layer_norm_args {
  vknorm_tensor x, y;
  vknorm_tensor weight, bias; /* optional */
  vknorm_tensor mean, rstd;   /* optional fp32 outputs */
  int32_t normalized_rank;    /* default 1 */
  float eps;                  /* default 1e-5 */
  vknorm_tensor scratch;      /* see vknorm_layer_norm_scratch_size() */
  const vknorm_kernel_config* config;
} vknorm_layer_norm_args;
VKNORM_DECLARE_OPERATOR(layer_norm);

/* LayerNorm backward (vknorm::LayerNormBackwardArgs). args_init: normalized_rank = 1. */
typedef struct vknorm_layer_norm_backward_args {
  vknorm_tensor dy, x;
  vknorm_tensor weight;          /* optional (weight = 1) */
  vknorm_tensor mean, rstd;      /* required, fp32 */
  vknorm_tensor dx;              /* optional output */
  vknorm_tensor dweight, dbias;  /* optional outputs */
  int32_t normalized_rank;       /* default 1 */
  vknorm_tensor scratch;
  const vknorm_kernel_config* config;
} vknorm_layer_norm_backward_args;
VKNORM_DECLARE_OPERATOR(layer_norm_backward);

/* RMSNorm backward (vknorm::RmsNormBackwardArgs). args_init: normalized_rank = 1
 * (weight_offset 0). */
typedef struct vknorm_rms_norm_backward_args {
  vknorm_tensor dy, x;
  vknorm_tensor weight;          /* optional (w_eff = 1 without it) */
  float weight_offset;           /* w_eff = weight_offset + weight (Gemma: 1); default 0 */
  vknorm_tensor rstd;            /* required, fp32 */
  vknorm_tensor dx;              /* optional output */
  vknorm_tensor dweight;         /* optional output */
  int32_t normalized_rank;       /* default 1 */
  vknorm_tensor scratch;
  const vknorm_kernel_config* config;
} vknorm_rms_norm_backward_args;
VKNORM_DECLARE_OPERATOR(rms_norm_backward);

/* RMSNorm over the trailing dims and the fused residual add (vknorm::RmsNormLastArgs,
 * vknorm::AddRmsNormArgs: strided rows, weight offset, optional rstd, int8 / float8 y with a
 * dynamic scale per row (or per scale_group_size elements) in y_scale, or a static scale).
 * args_init: normalized_rank = 1, eps = 1e-6.
 * Scratch: always 0 bytes. */
typedef struct vknorm_rms_norm_last_args {
  vknorm_tensor x, y;
  vknorm_tensor weight;      /* optional */
  float weight_offset;       /* y = x * rstd * (weight_offset + weight); needs a weight */
  vknorm_tensor rstd;        /* optional fp32 output, one per row */
  vknorm_tensor y_scale;     /* int8 y with a dynamic scale: fp32 output, one per row */
  float static_scale;        /* int8 y: > 0 selects this static scale */
  int64_t scale_group_size;  /* dynamic scale: 0 one per row; G > 0 one per G elements of a row */
  int32_t normalized_rank;   /* default 1 */
  float eps;                 /* default 1e-6 */
  const vknorm_kernel_config* config;
} vknorm_rms_norm_last_args;
VKNORM_DECLARE_OPERATOR(rms_norm_last);

typedef struct vknorm_add_rms_norm_args {
  vknorm_tensor x, residual;
  vknorm_tensor residual_out; /* optional output; may be `residual` itself */
  vknorm_tensor y;
  vknorm_tensor weight;
  vknorm_tensor add_bias;     /* optional: h = x + residual + add_bias (ONNX's skip bias) */
  float weight_offset;
  vknorm_tensor rstd, y_scale;
  float static_scale;
  int64_t scale_group_size;
  int32_t normalized_rank;
  float eps;
  const vknorm_kernel_config* config;
} vknorm_add_rms_norm_args;
VKNORM_DECLARE_OPERATOR(add_rms_norm);

/* Fused residual add + LayerNorm (vknorm::AddLayerNormArgs). args_init: normalized_rank = 1,
 * eps = 1e-5. */
typedef struct vknorm_add_layer_norm_args {
  vknorm_tensor x, residual;
  vknorm_tensor residual_out; /* optional output; may be `residual` itself */
  vknorm_tensor y;
  vknorm_tensor weight, bias; /* optional */
  vknorm_tensor add_bias;     /* optional: h = x + residual + add_bias (ONNX's skip bias) */
  vknorm_tensor mean, rstd;   /* optional fp32 outputs */
  int32_t normalized_rank;    /* default 1 */
  float eps;                  /* default 1e-5 */
  vknorm_tensor scratch;      /* see vknorm_add_layer_norm_scratch_size() */
  const vknorm_kernel_config* config;
} vknorm_add_layer_norm_args;
VKNORM_DECLARE_OPERATOR(add_layer_norm);

/* BatchNorm over N and spatial, per channel (vknorm::BatchNormArgs; vknorm.h has the formulas).
 * args_init: training = 1, momentum = 0.1, eps = 1e-5. */
typedef struct vknorm_batch_norm_args {
  vknorm_tensor x, y;
  vknorm_tensor weight, bias;              /* optional, C elements of x's dtype */
  vknorm_tensor running_mean, running_var; /* fp32, C; training: optional, updated in place; eval: required */
  vknorm_tensor save_mean, save_invstd;    /* optional fp32 outputs (training) */
  uint32_t training;                       /* default 1; 0: eval mode */
  float momentum;                          /* default 0.1, in [0, 1] */
  float eps;                               /* default 1e-5 */
  vknorm_tensor scratch;                   /* see vknorm_batch_norm_scratch_size() */
  const vknorm_kernel_config* config;
} vknorm_batch_norm_args;
VKNORM_DECLARE_OPERATOR(batch_norm);

/* L1 / L2 norm over dimension 1 (vknorm::LpNormArgs): p = 1: x / mean(|x|), p = 2: x / ||x||_2.
 * args_init: p = 2. */
typedef struct vknorm_lp_norm_args {
  vknorm_tensor x, y;
  int32_t p; /* 1 or 2 (default 2) */
  const vknorm_kernel_config* config;
} vknorm_lp_norm_args;
VKNORM_DECLARE_OPERATOR(lp_norm);

/* vknorm::Activation: applied to a norm's output after its affine (group_norm). */
typedef enum vknorm_activation {
  VKNORM_ACTIVATION_NONE = 0,
  VKNORM_ACTIVATION_SILU = 1,      /* y * sigmoid(y) */
  VKNORM_ACTIVATION_GELU_TANH = 2, /* F.gelu(approximate="tanh") */
  VKNORM_ACTIVATION_MAX_ENUM = 0x7FFFFFFF
} vknorm_activation;

/* GroupNorm (vknorm::GroupNormArgs; vknorm.h has the formulas). args_init: num_groups = 1,
 * eps = 1e-5, activation = VKNORM_ACTIVATION_NONE, channels_last = 0. */
typedef struct vknorm_group_norm_args {
  vknorm_tensor x, y;          /* (N, C, spatial..), or (N, spatial.., C) with channels_last; contiguous */
  vknorm_tensor weight, bias;  /* optional, C elements of x's dtype */
  vknorm_tensor mean, rstd;    /* optional fp32 outputs, N * num_groups elements */
  int64_t num_groups;          /* default 1; must divide C */
  float eps;                   /* default 1e-5 */
  vknorm_activation activation; /* after weight / bias (default none) */
  VkBool32 channels_last;      /* default 0; 1: x, y are (N, spatial.., C), contiguous */
  vknorm_tensor scratch;       /* see vknorm_group_norm_scratch_size() */
  const vknorm_kernel_config* config;
} vknorm_group_norm_args;
VKNORM_DECLARE_OPERATOR(group_norm);

/* InstanceNorm (vknorm::InstanceNormArgs; vknorm.h has the formulas). args_init:
 * use_input_stats = 1, momentum = 0.1, eps = 1e-5. */
typedef struct vknorm_instance_norm_args {
  vknorm_tensor x, y;                      /* (N, C, spatial..), rank >= 3, contiguous */
  vknorm_tensor weight, bias;              /* optional, C elements of x's dtype */
  vknorm_tensor running_mean, running_var; /* fp32, C: updated (use_input_stats) or read */
  uint32_t use_input_stats;                /* default 1; 0: normalize with the running statistics */
  float momentum;                          /* default 0.1, in [0, 1] */
  float eps;                               /* default 1e-5 */
  vknorm_tensor scratch;                   /* see vknorm_instance_norm_scratch_size() */
  const vknorm_kernel_config* config;
} vknorm_instance_norm_args;
VKNORM_DECLARE_OPERATOR(instance_norm);

/* vknorm::NormKind: the normalization of an adaptive norm. */
typedef enum vknorm_norm_kind {
  VKNORM_NORM_KIND_LAYER = 0, /* LayerNorm */
  VKNORM_NORM_KIND_RMS = 1,   /* RMSNorm */
  VKNORM_NORM_KIND_MAX_ENUM = 0x7FFFFFFF
} vknorm_norm_kind;

/* Adaptive LayerNorm / RMSNorm of DiT blocks (vknorm::AdaNormArgs; vknorm.h has the formulas):
 * h = x, residual + x or residual + gate * x; y = norm(h) * (scale_offset + scale) + shift.
 * args_init: norm = VKNORM_NORM_KIND_LAYER, scale_offset = 1, eps = 1e-6. */
typedef struct vknorm_ada_norm_args {
  vknorm_tensor x;
  vknorm_tensor residual;      /* optional */
  vknorm_tensor gate;          /* optional, needs residual; modulation shape */
  vknorm_tensor residual_out;  /* optional output h; may be `residual` itself */
  vknorm_tensor scale, shift;  /* optional, modulation shape ((B, D), (B, 1, D), (B, T, D), (D)..);
                                  scale, shift and gate have the same rows */
  vknorm_tensor weight, bias;  /* optional, D elements of x's dtype */
  vknorm_tensor y;             /* x's dtype, or i8 / f8_e4m3 / f8_e5m2 codes (quantized y) */
  vknorm_tensor y_scale;       /* quantized y with a dynamic scale: fp32 output, one per row */
  float static_scale;          /* quantized y: > 0 selects this static scale */
  vknorm_norm_kind norm;       /* default VKNORM_NORM_KIND_LAYER */
  float scale_offset;          /* default 1: y = n * (1 + scale) + shift */
  float eps;                   /* default 1e-6 */
  vknorm_tensor scratch;       /* see vknorm_ada_norm_scratch_size() (0 today) */
  const vknorm_kernel_config* config;
} vknorm_ada_norm_args;
VKNORM_DECLARE_OPERATOR(ada_norm);

/* Gated RMSNorm (vknorm::GatedRmsNormArgs): norm_before_gate: y = rms_norm(x) * w * silu(z),
 * else y = rms_norm(x * silu(z)) * w. args_init: norm_before_gate = 1, eps = 1e-6. */
typedef struct vknorm_gated_rms_norm_args {
  vknorm_tensor x, z;        /* z: x's shape and dtype */
  vknorm_tensor weight;      /* optional, D elements of x's dtype */
  vknorm_tensor y;
  uint32_t norm_before_gate; /* default 1 */
  float eps;                 /* default 1e-6 */
  vknorm_tensor scratch;     /* see vknorm_gated_rms_norm_scratch_size() (0 today) */
  const vknorm_kernel_config* config;
} vknorm_gated_rms_norm_args;
VKNORM_DECLARE_OPERATOR(gated_rms_norm);

/* Rotary pair layout (vknorm::RopeStyle). */
typedef enum vknorm_rope_style {
  VKNORM_ROPE_STYLE_NEOX = 0, /* pairs (i, i + rotary_dim / 2) */
  VKNORM_ROPE_STYLE_GPTJ = 1, /* pairs (2i, 2i + 1) */
  VKNORM_ROPE_STYLE_MAX_ENUM = 0x7FFFFFFF
} vknorm_rope_style;

/* Per-head RMSNorm of q and k, then rotary position embedding, in one dispatch
 * (vknorm::QkNormRopeArgs; vknorm.h has the formulas, layouts and the clamping of positions).
 * args_init: rotary_dim = 0 (head_dim), style = VKNORM_ROPE_STYLE_NEOX, rope_theta = 10000,
 * eps = 1e-6, every tensor unset. */
typedef struct vknorm_qk_norm_rope_args {
  vknorm_tensor q, k;               /* (..., heads, head_dim), f32 / f16 / bf16 */
  vknorm_tensor q_out, k_out;       /* optional (unset: in place); k_out: k's dtype or f16 */
  vknorm_tensor q_weight, k_weight; /* optional, head_dim elements of q's dtype */
  vknorm_tensor positions;          /* (tokens) i32 */
  vknorm_tensor cos_sin_cache;      /* optional (max_position, rotary_dim) f32 */
  uint32_t rotary_dim;              /* default 0 = head_dim; even, <= head_dim */
  vknorm_rope_style style;          /* default VKNORM_ROPE_STYLE_NEOX */
  float rope_theta;                 /* default 10000 (without a cache) */
  float eps;                        /* default 1e-6 */
  const vknorm_kernel_config* config;
} vknorm_qk_norm_rope_args;
VKNORM_DECLARE_OPERATOR(qk_norm_rope);

/* Frobenius normalization of the whole tensor (vknorm::FrobeniusNormArgs): y = x / ||x||_F.
 * args_init: all zero. */
typedef struct vknorm_frobenius_norm_args {
  vknorm_tensor x, y;
  vknorm_tensor norm;    /* optional fp32 output, 1 element: ||x||_F */
  vknorm_tensor scratch; /* see vknorm_frobenius_norm_scratch_size() */
  const vknorm_kernel_config* config;
} vknorm_frobenius_norm_args;
VKNORM_DECLARE_OPERATOR(frobenius_norm);

/* ------------------------------------------------------------------------------------------ */
/* Pipeline creation without buffers */

/* vknorm::PrepareInfo: what decides the pipelines of a call with contiguous tensors. */
typedef struct vknorm_prepare_info {
  vknorm_op op;
  vknorm_dtype dtype;
  int32_t rank;
  int64_t shape[VKNORM_MAX_RANK]; /* of x (or of x / dy for the backward) */
  int32_t normalized_rank;        /* layer_norm*, as in the args (default 1) */
  VkBool32 by_address;            /* some tensor of the call is given by address */
  VkBool32 aligned;               /* every offset a multiple of 4 elements (default VK_TRUE) */
  VkBool32 weight_grads;          /* backward ops: dweight (or dbias) requested (default VK_TRUE) */
  VkBool32 int8_output;           /* rms_norm_last, add_rms_norm, ada_norm: y is int8 */
  vknorm_dtype output_dtype;      /* rms_norm_last, add_rms_norm, ada_norm: i8 / f8_e4m3 / f8_e5m2: y's codes (default f32: x's dtype) */
  int64_t scale_group_size;       /* rms_norm_last, add_rms_norm: as in the args (default 0) */
  int64_t num_groups;             /* group_norm: as in the args (default 1) */
  vknorm_activation activation;   /* group_norm: as in the args (default none) */
  VkBool32 add_bias;              /* add_layer_norm, add_rms_norm: the call has an add_bias */
  vknorm_norm_kind norm;          /* ada_norm: as in the args (default layer) */
  VkBool32 residual, gate;        /* ada_norm: the call has a residual / a gate */
  VkBool32 scale, shift;          /* ada_norm: the call has a scale / a shift (default VK_TRUE) */
  VkBool32 norm_before_gate;      /* gated_rms_norm: as in the args (default VK_TRUE) */
  VkBool32 f32_params;            /* norms with weight / bias: they are fp32 beside 16-bit x */
  VkBool32 f32_residual;          /* add_rms_norm: residual / residual_out are fp32 beside 16-bit x */
  int64_t kv_heads;               /* qk_norm_rope: k's heads (shape: q's (tokens, heads, head_dim); 0: q's) */
  VkBool32 k_out_f16;             /* qk_norm_rope: k_out is f16 while q is f32 / bf16 */
  const vknorm_kernel_config* config; /* the call's override, or NULL */
} vknorm_prepare_info;

/* Zeroes *info and sets the defaults: normalized_rank 1, aligned, weight_grads, scale, shift and
 * norm_before_gate VK_TRUE, num_groups 1. */
void vknorm_prepare_info_init(vknorm_prepare_info* info);
/* Creates every pipeline a call described by *info would use, without buffers (vknorm::prepare). */
vknorm_status vknorm_prepare(vknorm_context ctx, const vknorm_prepare_info* info);
/* How many compute pipelines the context has created so far (0 for a NULL context). */
size_t vknorm_pipeline_count(vknorm_context ctx);

/* Roofline helper: dst[i] = src[i] over `bytes` bytes (a multiple of 16), as vknorm's kernels access memory. */
vknorm_status vknorm_record_copy(vknorm_context ctx, VkCommandBuffer cmd, const vknorm_tensor* src,
                                 const vknorm_tensor* dst, VkDeviceSize bytes);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* VKNORM_VKNORM_C_H_ */
