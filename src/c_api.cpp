// The C API (include/vknorm/vknorm_c.h): a thin layer over the C++ API. Each wrapper converts
// its C structs, calls exactly one C++ entry point, converts the results back and records the
// thread's last error. No exception leaves this file.
#include <vknorm/vknorm_c.h>

#include <vknorm/vknorm.h>

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <cstring>
#include <exception>
#include <iterator>
#include <new>
#include <string>
#include <vector>

using vknorm::Context;
using vknorm::DType;
using vknorm::Error;
using vknorm::KernelConfig;
using vknorm::Status;
using vknorm::Tensor;

// --- the C values are the C++ values -------------------------------------------------------

#define VKNORM_SAME_VALUE(c_value, cpp_value) \
  static_assert(static_cast<uint32_t>(c_value) == static_cast<uint32_t>(cpp_value), #c_value)
VKNORM_SAME_VALUE(VKNORM_STATUS_OK, Status::ok);
VKNORM_SAME_VALUE(VKNORM_STATUS_INVALID_ARGUMENT, Status::invalid_argument);
VKNORM_SAME_VALUE(VKNORM_STATUS_UNSUPPORTED, Status::unsupported);
VKNORM_SAME_VALUE(VKNORM_STATUS_OUT_OF_MEMORY, Status::out_of_memory);
VKNORM_SAME_VALUE(VKNORM_STATUS_VULKAN_ERROR, Status::vulkan_error);
VKNORM_SAME_VALUE(VKNORM_DTYPE_F32, DType::f32);
VKNORM_SAME_VALUE(VKNORM_DTYPE_F16, DType::f16);
VKNORM_SAME_VALUE(VKNORM_DTYPE_BF16, DType::bf16);
VKNORM_SAME_VALUE(VKNORM_DTYPE_I8, DType::i8);
VKNORM_SAME_VALUE(VKNORM_OP_RMS_NORM, vknorm::Op::rms_norm);
VKNORM_SAME_VALUE(VKNORM_OP_LAYER_NORM_FORWARD, vknorm::Op::layer_norm_forward);
VKNORM_SAME_VALUE(VKNORM_OP_LAYER_NORM_BACKWARD, vknorm::Op::layer_norm_backward);
VKNORM_SAME_VALUE(VKNORM_OP_RMS_NORM_LAST, vknorm::Op::rms_norm_last);
VKNORM_SAME_VALUE(VKNORM_OP_ADD_RMS_NORM, vknorm::Op::add_rms_norm);
VKNORM_SAME_VALUE(VKNORM_OP_ADD_LAYER_NORM, vknorm::Op::add_layer_norm);
VKNORM_SAME_VALUE(VKNORM_OP_LP_NORM, vknorm::Op::lp_norm);
VKNORM_SAME_VALUE(VKNORM_OP_FROBENIUS_NORM, vknorm::Op::frobenius_norm);
VKNORM_SAME_VALUE(VKNORM_OP_BATCH_NORM, vknorm::Op::batch_norm);
VKNORM_SAME_VALUE(VKNORM_OP_GROUP_NORM, vknorm::Op::group_norm);
VKNORM_SAME_VALUE(VKNORM_OP_INSTANCE_NORM, vknorm::Op::instance_norm);
VKNORM_SAME_VALUE(VKNORM_OP_RMS_NORM_BACKWARD, vknorm::Op::rms_norm_backward);
VKNORM_SAME_VALUE(VKNORM_DEVICE_CLASS_GENERIC, vknorm::DeviceClass::generic);
VKNORM_SAME_VALUE(VKNORM_DEVICE_CLASS_ADA, vknorm::DeviceClass::ada);
VKNORM_SAME_VALUE(VKNORM_DEVICE_CLASS_HOPPER, vknorm::DeviceClass::hopper);
VKNORM_SAME_VALUE(VKNORM_DEVICE_CLASS_LAVAPIPE, vknorm::DeviceClass::lavapipe);
#undef VKNORM_SAME_VALUE
static_assert(VKNORM_MAX_RANK == vknorm::kMaxRank, "VKNORM_MAX_RANK");
static_assert(VKNORM_VERSION_MAJOR == vknorm::kVersionMajor && VKNORM_VERSION_MINOR == vknorm::kVersionMinor &&
                  VKNORM_VERSION_PATCH == vknorm::kVersionPatch,
              "VKNORM_VERSION_* must equal vknorm::kVersion*");
static_assert(sizeof(vknorm_status) == 4 && sizeof(vknorm_dtype) == 4, "32-bit enums");

namespace {

// --- the thread's last error ----------------------------------------------------------------

struct LastError {
  std::string message;
  const char* fallback = nullptr;  // set when the message itself could not be stored
};
thread_local LastError t_last_error;

vknorm_status set_last_error(Status s, const char* message) noexcept {
  LastError& le = t_last_error;
  try {
    le.message.assign(message);
    le.fallback = nullptr;
  } catch (...) {
    le.fallback = "out of host memory (the error message could not be stored)";
  }
  return static_cast<vknorm_status>(s);
}

vknorm_status finish(const Error& e) noexcept { return set_last_error(e.status, e.message.c_str()); }

// Runs `body` (returning a vknorm::Error) and turns every exception into a status.
template <typename Body>
vknorm_status guarded(Body&& body) noexcept {
  try {
    return finish(body());
  } catch (const std::bad_alloc&) {
    return set_last_error(Status::out_of_memory, "out of host memory");
  } catch (const std::exception& e) {
    std::string m;
    try {
      m = std::string("unexpected C++ exception: ") + e.what();
    } catch (...) {
    }
    return set_last_error(Status::out_of_memory, m.empty() ? "unexpected C++ exception" : m.c_str());
  } catch (...) {
    return set_last_error(Status::out_of_memory, "unexpected C++ exception");
  }
}

Error invalid(const char* message) { return Error{Status::invalid_argument, message}; }
Error null_argument(const char* name) { return invalid((std::string(name) + " is null").c_str()); }

Context* context(vknorm_context c) { return reinterpret_cast<Context*>(c); }
vknorm_context handle(Context* c) { return reinterpret_cast<vknorm_context>(c); }

// Copies `s` into a fixed char array (truncated, NUL-terminated); returns the size it needs.
size_t copy_string(const char* s, size_t length, char* buf, size_t buf_size) {
  if (buf && buf_size > 0) {
    const size_t n = std::min(length, buf_size - 1);
    std::memcpy(buf, s, n);
    buf[n] = '\0';
  }
  return length + 1;
}
template <size_t N>
void copy_string(const std::string& s, char (&buf)[N]) {
  copy_string(s.c_str(), s.size(), buf, N);
}

// --- conversions ----------------------------------------------------------------------------

VkBool32 to_c(bool b) { return b ? VK_TRUE : VK_FALSE; }

Tensor to_cpp(const vknorm_tensor& t) {
  Tensor r;
  r.buffer = t.buffer;
  r.offset = t.offset;
  r.address = t.address;
  r.size = t.size;
  r.dtype = static_cast<DType>(t.dtype);
  r.rank = t.rank;
  std::copy(t.shape, t.shape + VKNORM_MAX_RANK, r.shape);
  std::copy(t.strides, t.strides + VKNORM_MAX_RANK, r.strides);
  return r;
}

vknorm_tensor to_c(const Tensor& t) {
  vknorm_tensor r{};
  r.buffer = t.buffer;
  r.offset = t.offset;
  r.address = t.address;
  r.size = t.size;
  r.dtype = static_cast<vknorm_dtype>(t.dtype);
  r.rank = t.rank;
  std::copy(t.shape, t.shape + VKNORM_MAX_RANK, r.shape);
  std::copy(t.strides, t.strides + VKNORM_MAX_RANK, r.strides);
  return r;
}

vknorm::EnabledFeatures to_cpp(const vknorm_device_features& f) {
  vknorm::EnabledFeatures r;
  r.push_descriptor = f.push_descriptor != VK_FALSE;
  r.buffer_device_address = f.buffer_device_address != VK_FALSE;
  r.storage_buffer_16bit = f.storage_buffer_16bit != VK_FALSE;
  r.storage_buffer_8bit = f.storage_buffer_8bit != VK_FALSE;
  r.subgroup_size_control = f.subgroup_size_control != VK_FALSE;
  r.pipeline_executable_info = f.pipeline_executable_info != VK_FALSE;
  return r;
}

vknorm_device_features to_c(const vknorm::EnabledFeatures& f) {
  vknorm_device_features r{};
  r.push_descriptor = to_c(f.push_descriptor);
  r.buffer_device_address = to_c(f.buffer_device_address);
  r.storage_buffer_16bit = to_c(f.storage_buffer_16bit);
  r.storage_buffer_8bit = to_c(f.storage_buffer_8bit);
  r.subgroup_size_control = to_c(f.subgroup_size_control);
  r.pipeline_executable_info = to_c(f.pipeline_executable_info);
  return r;
}

// The numeric fields only: the strings are read back, never input.
KernelConfig to_cpp(const vknorm_kernel_config& c) {
  KernelConfig r;
  r.workgroup_size = c.workgroup_size;
  r.items_per_invocation = c.items_per_invocation;
  r.vector_width = c.vector_width;
  r.channel_split = c.channel_split;
  r.split = c.split;
  r.rows_per_workgroup = c.rows_per_workgroup;
  r.wave_bytes = c.wave_bytes;
  return r;
}

void to_c(const KernelConfig& c, vknorm_kernel_config* out) {
  *out = vknorm_kernel_config{};
  out->workgroup_size = c.workgroup_size;
  out->items_per_invocation = c.items_per_invocation;
  out->vector_width = c.vector_width;
  out->channel_split = c.channel_split;
  out->split = c.split;
  out->rows_per_workgroup = c.rows_per_workgroup;
  out->wave_bytes = c.wave_bytes;
  copy_string(c.source, out->source);
  copy_string(c.case_class, out->case_class);
}

// C++ arguments built from C ones; they own the converted config override they point to, so
// they are neither copied nor moved.
struct RmsNormCall {
  vknorm::RmsNormArgs args;
  KernelConfig config;
  explicit RmsNormCall(const vknorm_rms_norm_args& a) {
    args.x = to_cpp(a.x);
    args.y = to_cpp(a.y);
    args.weight = to_cpp(a.weight);
    args.eps = a.eps;
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  RmsNormCall(const RmsNormCall&) = delete;
  RmsNormCall& operator=(const RmsNormCall&) = delete;
};

struct LayerNormCall {
  vknorm::LayerNormArgs args;
  KernelConfig config;
  explicit LayerNormCall(const vknorm_layer_norm_args& a) {
    args.x = to_cpp(a.x);
    args.y = to_cpp(a.y);
    args.weight = to_cpp(a.weight);
    args.bias = to_cpp(a.bias);
    args.mean = to_cpp(a.mean);
    args.rstd = to_cpp(a.rstd);
    args.normalized_rank = a.normalized_rank;
    args.eps = a.eps;
    args.scratch = to_cpp(a.scratch);
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  LayerNormCall(const LayerNormCall&) = delete;
  LayerNormCall& operator=(const LayerNormCall&) = delete;
};

struct LayerNormBackwardCall {
  vknorm::LayerNormBackwardArgs args;
  KernelConfig config;
  explicit LayerNormBackwardCall(const vknorm_layer_norm_backward_args& a) {
    args.dy = to_cpp(a.dy);
    args.x = to_cpp(a.x);
    args.weight = to_cpp(a.weight);
    args.mean = to_cpp(a.mean);
    args.rstd = to_cpp(a.rstd);
    args.dx = to_cpp(a.dx);
    args.dweight = to_cpp(a.dweight);
    args.dbias = to_cpp(a.dbias);
    args.normalized_rank = a.normalized_rank;
    args.scratch = to_cpp(a.scratch);
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  LayerNormBackwardCall(const LayerNormBackwardCall&) = delete;
  LayerNormBackwardCall& operator=(const LayerNormBackwardCall&) = delete;
};

// The fields both RMSNorm-last forms share.
template <class Cpp, class CArgs>
void fill_rms_last(const CArgs& a, KernelConfig* config, Cpp* args) {
  args->x = to_cpp(a.x);
  args->y = to_cpp(a.y);
  args->weight = to_cpp(a.weight);
  args->weight_offset = a.weight_offset;
  args->rstd = to_cpp(a.rstd);
  args->y_scale = to_cpp(a.y_scale);
  args->static_scale = a.static_scale;
  args->normalized_rank = a.normalized_rank;
  args->eps = a.eps;
  if (a.config) {
    *config = to_cpp(*a.config);
    args->config = config;
  }
}

struct RmsNormLastCall {
  vknorm::RmsNormLastArgs args;
  KernelConfig config;
  explicit RmsNormLastCall(const vknorm_rms_norm_last_args& a) { fill_rms_last(a, &config, &args); }
  RmsNormLastCall(const RmsNormLastCall&) = delete;
  RmsNormLastCall& operator=(const RmsNormLastCall&) = delete;
};

struct AddRmsNormCall {
  vknorm::AddRmsNormArgs args;
  KernelConfig config;
  explicit AddRmsNormCall(const vknorm_add_rms_norm_args& a) {
    fill_rms_last(a, &config, &args);
    args.residual = to_cpp(a.residual);
    args.residual_out = to_cpp(a.residual_out);
  }
  AddRmsNormCall(const AddRmsNormCall&) = delete;
  AddRmsNormCall& operator=(const AddRmsNormCall&) = delete;
};

struct AddLayerNormCall {
  vknorm::AddLayerNormArgs args;
  KernelConfig config;
  explicit AddLayerNormCall(const vknorm_add_layer_norm_args& a) {
    args.x = to_cpp(a.x);
    args.residual = to_cpp(a.residual);
    args.residual_out = to_cpp(a.residual_out);
    args.y = to_cpp(a.y);
    args.weight = to_cpp(a.weight);
    args.bias = to_cpp(a.bias);
    args.mean = to_cpp(a.mean);
    args.rstd = to_cpp(a.rstd);
    args.normalized_rank = a.normalized_rank;
    args.eps = a.eps;
    args.scratch = to_cpp(a.scratch);
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  AddLayerNormCall(const AddLayerNormCall&) = delete;
  AddLayerNormCall& operator=(const AddLayerNormCall&) = delete;
};

struct BatchNormCall {
  vknorm::BatchNormArgs args;
  KernelConfig config;
  explicit BatchNormCall(const vknorm_batch_norm_args& a) {
    args.x = to_cpp(a.x);
    args.y = to_cpp(a.y);
    args.weight = to_cpp(a.weight);
    args.bias = to_cpp(a.bias);
    args.running_mean = to_cpp(a.running_mean);
    args.running_var = to_cpp(a.running_var);
    args.save_mean = to_cpp(a.save_mean);
    args.save_invstd = to_cpp(a.save_invstd);
    args.training = a.training != 0;
    args.momentum = a.momentum;
    args.eps = a.eps;
    args.scratch = to_cpp(a.scratch);
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  BatchNormCall(const BatchNormCall&) = delete;
  BatchNormCall& operator=(const BatchNormCall&) = delete;
};

struct GroupNormCall {
  vknorm::GroupNormArgs args;
  KernelConfig config;
  explicit GroupNormCall(const vknorm_group_norm_args& a) {
    args.x = to_cpp(a.x);
    args.y = to_cpp(a.y);
    args.weight = to_cpp(a.weight);
    args.bias = to_cpp(a.bias);
    args.mean = to_cpp(a.mean);
    args.rstd = to_cpp(a.rstd);
    args.num_groups = a.num_groups;
    args.eps = a.eps;
    args.scratch = to_cpp(a.scratch);
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  GroupNormCall(const GroupNormCall&) = delete;
  GroupNormCall& operator=(const GroupNormCall&) = delete;
};

struct InstanceNormCall {
  vknorm::InstanceNormArgs args;
  KernelConfig config;
  explicit InstanceNormCall(const vknorm_instance_norm_args& a) {
    args.x = to_cpp(a.x);
    args.y = to_cpp(a.y);
    args.weight = to_cpp(a.weight);
    args.bias = to_cpp(a.bias);
    args.running_mean = to_cpp(a.running_mean);
    args.running_var = to_cpp(a.running_var);
    args.use_input_stats = a.use_input_stats != 0;
    args.momentum = a.momentum;
    args.eps = a.eps;
    args.scratch = to_cpp(a.scratch);
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  InstanceNormCall(const InstanceNormCall&) = delete;
  InstanceNormCall& operator=(const InstanceNormCall&) = delete;
};

struct LpNormCall {
  vknorm::LpNormArgs args;
  KernelConfig config;
  explicit LpNormCall(const vknorm_lp_norm_args& a) {
    args.x = to_cpp(a.x);
    args.y = to_cpp(a.y);
    args.p = a.p;
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  LpNormCall(const LpNormCall&) = delete;
  LpNormCall& operator=(const LpNormCall&) = delete;
};

struct FrobeniusNormCall {
  vknorm::FrobeniusNormArgs args;
  KernelConfig config;
  explicit FrobeniusNormCall(const vknorm_frobenius_norm_args& a) {
    args.x = to_cpp(a.x);
    args.y = to_cpp(a.y);
    args.norm = to_cpp(a.norm);
    args.scratch = to_cpp(a.scratch);
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  FrobeniusNormCall(const FrobeniusNormCall&) = delete;
  FrobeniusNormCall& operator=(const FrobeniusNormCall&) = delete;
};

struct RmsNormBackwardCall {
  vknorm::RmsNormBackwardArgs args;
  KernelConfig config;
  explicit RmsNormBackwardCall(const vknorm_rms_norm_backward_args& a) {
    args.dy = to_cpp(a.dy);
    args.x = to_cpp(a.x);
    args.weight = to_cpp(a.weight);
    args.weight_offset = a.weight_offset;
    args.rstd = to_cpp(a.rstd);
    args.dx = to_cpp(a.dx);
    args.dweight = to_cpp(a.dweight);
    args.normalized_rank = a.normalized_rank;
    args.scratch = to_cpp(a.scratch);
    if (a.config) {
      config = to_cpp(*a.config);
      args.config = &config;
    }
  }
  RmsNormBackwardCall(const RmsNormBackwardCall&) = delete;
  RmsNormBackwardCall& operator=(const RmsNormBackwardCall&) = delete;
};

// describe_dispatches' results through the two-call idiom (see the header).
void copy_dispatches(const std::vector<vknorm::DispatchInfo>& d, uint32_t* count, vknorm_dispatch_info* out) {
  const uint32_t capacity = out ? *count : 0;
  for (uint32_t i = 0; i < capacity && i < d.size(); ++i) {
    out[i] = vknorm_dispatch_info{};
    copy_string(d[i].kernel, out[i].kernel);
    std::copy(d[i].groups, d[i].groups + 3, out[i].groups);
    out[i].workgroup_size = d[i].workgroup_size;
    out[i].pipeline = d[i].pipeline;
  }
  *count = static_cast<uint32_t>(d.size());
}

// The feature-chain links of vknorm::DeviceFeatureChain::chain(), inside the C struct.
// vknorm_device_feature_chain is vknorm::DeviceFeatureChain member for member, so the C++
// functions fill and link the caller's C storage in place.
#define VKNORM_SAME_MEMBER(m)                                                                  \
  static_assert(offsetof(vknorm_device_feature_chain, m) == offsetof(vknorm::DeviceFeatureChain, m), \
                #m)
VKNORM_SAME_MEMBER(features2);
VKNORM_SAME_MEMBER(storage16);
VKNORM_SAME_MEMBER(bda);
VKNORM_SAME_MEMBER(storage8);
VKNORM_SAME_MEMBER(subgroup_size_control);
VKNORM_SAME_MEMBER(executable_properties);
#undef VKNORM_SAME_MEMBER
static_assert(sizeof(vknorm_device_feature_chain) == sizeof(vknorm::DeviceFeatureChain), "chain size");
static_assert(std::is_standard_layout<vknorm::DeviceFeatureChain>::value, "chain layout");

vknorm::DeviceFeatureChain* as_cpp(vknorm_device_feature_chain* c) {
  return reinterpret_cast<vknorm::DeviceFeatureChain*>(c);
}

// rms_norm_last / add_rms_norm: the five calls written once over a Call type.

template <class Call, class CArgs, class Fn>
vknorm_status with_call(const CArgs* args, Fn fn) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const Call call(*args);
    return fn(call.args);
  });
}

template <class Call, class CArgs>
vknorm_status select_with(vknorm_context ctx, const CArgs* args, vknorm_kernel_config* out) {
  if (out) *out = vknorm_kernel_config{};
  return with_call<Call>(args, [&](const auto& a) {
    KernelConfig c;
    Error e = vknorm::select_config(context(ctx), a, &c);
    if (!e && out) to_c(c, out);
    return e;
  });
}

template <class Call, class CArgs>
vknorm_status describe_with(vknorm_context ctx, const CArgs* args, uint32_t* count, vknorm_dispatch_info* out) {
  return guarded([&]() -> Error {
    if (!count) return null_argument("count");
    const uint32_t capacity = *count;
    *count = 0;
    if (!args) return null_argument("args");
    const Call call(*args);
    std::vector<vknorm::DispatchInfo> d;
    Error e = vknorm::describe_dispatches(context(ctx), call.args, &d);
    *count = capacity;
    if (!e) copy_dispatches(d, count, out);
    else *count = 0;
    return e;
  });
}

// Zeroed args with the C++ defaults of normalized_rank and eps.
template <class CArgs, class Defaults>
void init_with_defaults(CArgs* args) {
  if (!args) return;
  *args = CArgs{};
  const Defaults d;
  args->normalized_rank = d.normalized_rank;
  args->eps = d.eps;
}

}  // namespace

extern "C" {

// --- version, names, errors -----------------------------------------------------------------

const char* vknorm_version_string(void) { return vknorm::version_string(); }
uint32_t vknorm_version(void) {
  return VKNORM_MAKE_VERSION(vknorm::kVersionMajor, vknorm::kVersionMinor, vknorm::kVersionPatch);
}

const char* vknorm_status_name(vknorm_status s) { return vknorm::status_name(static_cast<Status>(s)); }
const char* vknorm_dtype_name(vknorm_dtype t) { return vknorm::dtype_name(static_cast<DType>(t)); }
size_t vknorm_dtype_size(vknorm_dtype t) { return vknorm::dtype_size(static_cast<DType>(t)); }
const char* vknorm_op_name(vknorm_op op) { return vknorm::op_name(static_cast<vknorm::Op>(op)); }
const char* vknorm_device_class_name(vknorm_device_class c) {
  return vknorm::device_class_name(static_cast<vknorm::DeviceClass>(c));
}

const char* vknorm_last_error_message(void) {
  const LastError& le = t_last_error;
  return le.fallback ? le.fallback : le.message.c_str();
}

size_t vknorm_copy_last_error(char* buf, size_t buf_size) {
  const char* m = vknorm_last_error_message();
  return copy_string(m, std::strlen(m), buf, buf_size);
}

// --- tensors --------------------------------------------------------------------------------

vknorm_tensor vknorm_tensor_contiguous(VkBuffer buffer, VkDeviceSize offset, VkDeviceSize size,
                                       vknorm_dtype dtype, int32_t rank, const int64_t* shape) {
  const size_t n = shape && rank > 0 ? static_cast<size_t>(rank) : 0;  // else rank 0: rejected later
  try {
    return to_c(Tensor::contiguous(buffer, offset, size, static_cast<DType>(dtype),
                                   std::vector<int64_t>(shape, shape + n)));
  } catch (...) {  // cannot report here; a rank-0 tensor is rejected by every operator
    vknorm_tensor t{};
    t.buffer = buffer;
    t.offset = offset;
    t.size = size;
    t.dtype = dtype;
    return t;
  }
}

vknorm_tensor vknorm_tensor_contiguous_at(VkDeviceAddress address, VkDeviceSize size, vknorm_dtype dtype,
                                          int32_t rank, const int64_t* shape) {
  vknorm_tensor t = vknorm_tensor_contiguous(VK_NULL_HANDLE, 0, size, dtype, rank, shape);
  t.address = address;
  return t;
}

namespace {
vknorm_tensor strided_tensor(VkBuffer buffer, VkDeviceSize offset, VkDeviceAddress address, vknorm_dtype dtype,
                             int32_t rank, const int64_t* shape, const int64_t* strides) {
  vknorm_tensor t{};
  t.buffer = buffer;
  t.offset = offset;
  t.address = address;
  t.dtype = dtype;
  if (rank < 1 || rank > VKNORM_MAX_RANK || !shape || !strides) return t;  // rank 0: rejected later
  t.rank = rank;
  std::copy(shape, shape + rank, t.shape);
  std::copy(strides, strides + rank, t.strides);
  t.size = to_cpp(t).bytes_needed();
  return t;
}
}  // namespace

vknorm_tensor vknorm_tensor_strided(VkBuffer buffer, VkDeviceSize offset, vknorm_dtype dtype, int32_t rank,
                                    const int64_t* shape, const int64_t* strides) {
  return strided_tensor(buffer, offset, 0, dtype, rank, shape, strides);
}

vknorm_tensor vknorm_tensor_strided_at(VkDeviceAddress address, vknorm_dtype dtype, int32_t rank,
                                       const int64_t* shape, const int64_t* strides) {
  return strided_tensor(VK_NULL_HANDLE, 0, address, dtype, rank, shape, strides);
}

VkDeviceSize vknorm_tensor_bytes_needed(const vknorm_tensor* tensor) {
  return tensor ? to_cpp(*tensor).bytes_needed() : 0;
}

// --- device requirements --------------------------------------------------------------------

vknorm_status vknorm_query_device_requirements(VkInstance instance, VkPhysicalDevice physical_device,
                                               PFN_vkGetInstanceProcAddr gipa, vknorm_device_requirements* out) {
  if (out) *out = vknorm_device_requirements{};
  return guarded([&]() -> Error {
    if (!out) return null_argument("out");
    vknorm::DeviceRequirements req;
    if (Error e = vknorm::query_device_requirements(instance, physical_device, gipa, &req)) return e;
    if (req.extensions.size() > VKNORM_MAX_DEVICE_EXTENSIONS ||
        req.optional_extensions.size() > VKNORM_MAX_DEVICE_EXTENSIONS)
      return Error{Status::unsupported, "more device extensions than VKNORM_MAX_DEVICE_EXTENSIONS"};
    vknorm_device_requirements r{};
    r.supported = to_c(req.supported);
    r.features_to_enable = to_c(req.features_to_enable());
    r.api_version = req.api_version;
    r.extension_count = static_cast<uint32_t>(req.extensions.size());
    std::copy(req.extensions.begin(), req.extensions.end(), r.extensions);
    r.optional_extension_count = static_cast<uint32_t>(req.optional_extensions.size());
    std::copy(req.optional_extensions.begin(), req.optional_extensions.end(), r.optional_extensions);
    *out = r;
    return Error{};
  });
}

vknorm_status vknorm_fill_device_feature_chain(const vknorm_device_features* enable,
                                               vknorm_device_feature_chain* out) {
  if (out) *out = vknorm_device_feature_chain{};
  return guarded([&]() -> Error {
    if (!enable) return null_argument("enable");
    if (!out) return null_argument("out");
    vknorm::fill_device_feature_chain(to_cpp(*enable), as_cpp(out));
    as_cpp(out)->chain();  // links the structures of *out itself
    return Error{};
  });
}

vknorm_status vknorm_add_device_features(const vknorm_device_features* features, uint32_t device_api_version,
                                         VkDeviceCreateInfo* create_info, vknorm_device_feature_chain* storage) {
  return guarded([&]() -> Error {
    if (!features) return null_argument("features");
    return vknorm::add_device_features(to_cpp(*features), device_api_version, create_info,
                                       storage ? as_cpp(storage) : nullptr);
  });
}

// --- context --------------------------------------------------------------------------------

void vknorm_context_create_info_init(vknorm_context_create_info* info) {
  if (info) *info = vknorm_context_create_info{};
}

vknorm_status vknorm_create_context(const vknorm_context_create_info* info, vknorm_context* out_context) {
  if (out_context) *out_context = nullptr;
  return guarded([&]() -> Error {
    if (!info) return null_argument("info");
    if (!out_context) return null_argument("out_context");
    vknorm::ContextCreateInfo ci;
    ci.instance = info->instance;
    ci.physical_device = info->physical_device;
    ci.device = info->device;
    ci.get_instance_proc_addr = info->get_instance_proc_addr;
    ci.pipeline_cache = info->pipeline_cache;
    ci.enabled = to_cpp(info->enabled);
    ci.context_scratch_bytes = info->context_scratch_bytes;
    ci.force_shared_memory_reduction = info->force_shared_memory_reduction != VK_FALSE;
    ci.tuning_cache_path = info->tuning_cache_path;
    Context* c = nullptr;
    Error e = vknorm::create_context(ci, &c);
    *out_context = handle(c);
    return e;
  });
}

void vknorm_destroy_context(vknorm_context ctx) { vknorm::destroy_context(context(ctx)); }

vknorm_status vknorm_get_device_info(vknorm_context ctx, vknorm_device_info* out) {
  if (out) *out = vknorm_device_info{};
  return guarded([&]() -> Error {
    if (!ctx) return null_argument("context");
    if (!out) return null_argument("out");
    const vknorm::DeviceInfo& d = vknorm::device_info(context(ctx));
    vknorm_device_info& r = *out;
    copy_string(d.name, r.name);
    r.device_class = static_cast<vknorm_device_class>(d.device_class);
    r.vendor_id = d.vendor_id;
    r.device_id = d.device_id;
    r.driver_version = d.driver_version;
    r.api_version = d.api_version;
    r.driver_id = d.driver_id;
    std::copy(d.uuid, d.uuid + VK_UUID_SIZE, r.uuid);
    r.subgroup_size = d.subgroup_size;
    r.min_subgroup_size = d.min_subgroup_size;
    r.max_subgroup_size = d.max_subgroup_size;
    r.subgroup_arithmetic = to_c(d.subgroup_arithmetic);
    r.shared_memory_reduction = to_c(d.shared_memory_reduction);
    r.max_workgroup_invocations = d.max_workgroup_invocations;
    r.max_shared_memory_bytes = d.max_shared_memory_bytes;
    r.max_storage_buffer_range = d.max_storage_buffer_range;
    r.min_storage_buffer_offset_alignment = d.min_storage_buffer_offset_alignment;
    r.multiprocessor_count = d.multiprocessor_count;
    r.buffers_need_device_address = to_c(d.buffers_need_device_address);
    r.enabled = to_c(d.enabled);
    return Error{};
  });
}

VkBool32 vknorm_supports_dtype(vknorm_context ctx, vknorm_dtype dtype) {
  if (!ctx) return VK_FALSE;
  return to_c(vknorm::device_info(context(ctx)).supports(static_cast<DType>(dtype)));
}

// --- configurations -------------------------------------------------------------------------

size_t vknorm_config_to_string(const vknorm_kernel_config* config, char* buf, size_t buf_size) {
  if (buf && buf_size > 0) buf[0] = '\0';
  if (!config) return 0;
  try {
    KernelConfig c = to_cpp(*config);
    c.source.assign(config->source, std::find(config->source, std::end(config->source), '\0'));
    c.case_class.assign(config->case_class, std::find(config->case_class, std::end(config->case_class), '\0'));
    const std::string s = vknorm::to_string(c);
    return copy_string(s.c_str(), s.size(), buf, buf_size);
  } catch (...) {
    return 0;
  }
}

// --- operators ------------------------------------------------------------------------------

void vknorm_rms_norm_args_init(vknorm_rms_norm_args* args) {
  if (!args) return;
  *args = vknorm_rms_norm_args{};
  args->eps = vknorm::RmsNormArgs{}.eps;
}

void vknorm_layer_norm_args_init(vknorm_layer_norm_args* args) {
  if (!args) return;
  *args = vknorm_layer_norm_args{};
  const vknorm::LayerNormArgs defaults;
  args->normalized_rank = defaults.normalized_rank;
  args->eps = defaults.eps;
}

void vknorm_layer_norm_backward_args_init(vknorm_layer_norm_backward_args* args) {
  if (!args) return;
  *args = vknorm_layer_norm_backward_args{};
  args->normalized_rank = vknorm::LayerNormBackwardArgs{}.normalized_rank;
}

void vknorm_rms_norm_backward_args_init(vknorm_rms_norm_backward_args* args) {
  if (!args) return;
  *args = vknorm_rms_norm_backward_args{};
  const vknorm::RmsNormBackwardArgs defaults;
  args->normalized_rank = defaults.normalized_rank;
  args->weight_offset = defaults.weight_offset;
}

vknorm_status vknorm_rms_norm_scratch_size(vknorm_context ctx, const vknorm_rms_norm_args* args,
                                           VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const RmsNormCall call(*args);
    return vknorm::rms_norm_scratch_size(context(ctx), call.args, out_bytes);
  });
}

vknorm_status vknorm_layer_norm_scratch_size(vknorm_context ctx, const vknorm_layer_norm_args* args,
                                             VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const LayerNormCall call(*args);
    return vknorm::layer_norm_scratch_size(context(ctx), call.args, out_bytes);
  });
}

vknorm_status vknorm_layer_norm_backward_scratch_size(vknorm_context ctx,
                                                      const vknorm_layer_norm_backward_args* args,
                                                      VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const LayerNormBackwardCall call(*args);
    return vknorm::layer_norm_backward_scratch_size(context(ctx), call.args, out_bytes);
  });
}

vknorm_status vknorm_rms_norm_backward_scratch_size(vknorm_context ctx,
                                                    const vknorm_rms_norm_backward_args* args,
                                                    VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const RmsNormBackwardCall call(*args);
    return vknorm::rms_norm_backward_scratch_size(context(ctx), call.args, out_bytes);
  });
}

vknorm_status vknorm_select_config_rms_norm(vknorm_context ctx, const vknorm_rms_norm_args* args,
                                            vknorm_kernel_config* out) {
  if (out) *out = vknorm_kernel_config{};
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const RmsNormCall call(*args);
    KernelConfig c;
    Error e = vknorm::select_config(context(ctx), call.args, &c);
    if (!e && out) to_c(c, out);
    return e;
  });
}

vknorm_status vknorm_select_config_layer_norm(vknorm_context ctx, const vknorm_layer_norm_args* args,
                                              vknorm_kernel_config* out) {
  if (out) *out = vknorm_kernel_config{};
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const LayerNormCall call(*args);
    KernelConfig c;
    Error e = vknorm::select_config(context(ctx), call.args, &c);
    if (!e && out) to_c(c, out);
    return e;
  });
}

vknorm_status vknorm_select_config_layer_norm_backward(vknorm_context ctx,
                                                       const vknorm_layer_norm_backward_args* args,
                                                       vknorm_kernel_config* out) {
  if (out) *out = vknorm_kernel_config{};
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const LayerNormBackwardCall call(*args);
    KernelConfig c;
    Error e = vknorm::select_config(context(ctx), call.args, &c);
    if (!e && out) to_c(c, out);
    return e;
  });
}

vknorm_status vknorm_select_config_rms_norm_backward(vknorm_context ctx,
                                                     const vknorm_rms_norm_backward_args* args,
                                                     vknorm_kernel_config* out) {
  if (out) *out = vknorm_kernel_config{};
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const RmsNormBackwardCall call(*args);
    KernelConfig c;
    Error e = vknorm::select_config(context(ctx), call.args, &c);
    if (!e && out) to_c(c, out);
    return e;
  });
}

void vknorm_prepare_info_init(vknorm_prepare_info* info) {
  if (!info) return;
  *info = vknorm_prepare_info{};
  info->normalized_rank = 1;
  info->aligned = VK_TRUE;
  info->weight_grads = VK_TRUE;
  info->num_groups = 1;
}

vknorm_status vknorm_prepare(vknorm_context ctx, const vknorm_prepare_info* info) {
  return guarded([&]() -> Error {
    if (!info) return null_argument("info");
    vknorm::PrepareInfo p;
    p.op = static_cast<vknorm::Op>(info->op);
    p.dtype = static_cast<DType>(info->dtype);
    p.rank = info->rank;
    std::copy(info->shape, info->shape + VKNORM_MAX_RANK, p.shape);
    p.normalized_rank = info->normalized_rank;
    p.by_address = info->by_address != VK_FALSE;
    p.aligned = info->aligned != VK_FALSE;
    p.weight_grads = info->weight_grads != VK_FALSE;
    p.int8_output = info->int8_output != VK_FALSE;
    p.num_groups = info->num_groups;
    KernelConfig cfg;
    if (info->config) {
      cfg = to_cpp(*info->config);
      p.config = &cfg;
    }
    return vknorm::prepare(context(ctx), p);
  });
}

size_t vknorm_pipeline_count(vknorm_context ctx) { return ctx ? vknorm::pipeline_count(context(ctx)) : 0; }

vknorm_status vknorm_prepare_rms_norm(vknorm_context ctx, const vknorm_rms_norm_args* args) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const RmsNormCall call(*args);
    return vknorm::prepare_rms_norm(context(ctx), call.args);
  });
}

vknorm_status vknorm_prepare_layer_norm(vknorm_context ctx, const vknorm_layer_norm_args* args) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const LayerNormCall call(*args);
    return vknorm::prepare_layer_norm(context(ctx), call.args);
  });
}

vknorm_status vknorm_prepare_layer_norm_backward(vknorm_context ctx, const vknorm_layer_norm_backward_args* args) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const LayerNormBackwardCall call(*args);
    return vknorm::prepare_layer_norm_backward(context(ctx), call.args);
  });
}

vknorm_status vknorm_prepare_rms_norm_backward(vknorm_context ctx, const vknorm_rms_norm_backward_args* args) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const RmsNormBackwardCall call(*args);
    return vknorm::prepare_rms_norm_backward(context(ctx), call.args);
  });
}

vknorm_status vknorm_record_rms_norm(vknorm_context ctx, VkCommandBuffer cmd, const vknorm_rms_norm_args* args) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const RmsNormCall call(*args);
    return vknorm::record_rms_norm(context(ctx), cmd, call.args);
  });
}

vknorm_status vknorm_record_layer_norm(vknorm_context ctx, VkCommandBuffer cmd,
                                       const vknorm_layer_norm_args* args) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const LayerNormCall call(*args);
    return vknorm::record_layer_norm(context(ctx), cmd, call.args);
  });
}

vknorm_status vknorm_record_layer_norm_backward(vknorm_context ctx, VkCommandBuffer cmd,
                                                const vknorm_layer_norm_backward_args* args) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const LayerNormBackwardCall call(*args);
    return vknorm::record_layer_norm_backward(context(ctx), cmd, call.args);
  });
}

vknorm_status vknorm_record_rms_norm_backward(vknorm_context ctx, VkCommandBuffer cmd,
                                              const vknorm_rms_norm_backward_args* args) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const RmsNormBackwardCall call(*args);
    return vknorm::record_rms_norm_backward(context(ctx), cmd, call.args);
  });
}

vknorm_status vknorm_describe_dispatches_rms_norm(vknorm_context ctx, const vknorm_rms_norm_args* args,
                                                  uint32_t* count, vknorm_dispatch_info* out) {
  return guarded([&]() -> Error {
    if (!count) return null_argument("count");
    const uint32_t capacity = *count;
    *count = 0;
    if (!args) return null_argument("args");
    const RmsNormCall call(*args);
    std::vector<vknorm::DispatchInfo> d;
    Error e = vknorm::describe_dispatches(context(ctx), call.args, &d);
    *count = capacity;
    if (!e) copy_dispatches(d, count, out);
    else *count = 0;
    return e;
  });
}

vknorm_status vknorm_describe_dispatches_layer_norm(vknorm_context ctx, const vknorm_layer_norm_args* args,
                                                    uint32_t* count, vknorm_dispatch_info* out) {
  return guarded([&]() -> Error {
    if (!count) return null_argument("count");
    const uint32_t capacity = *count;
    *count = 0;
    if (!args) return null_argument("args");
    const LayerNormCall call(*args);
    std::vector<vknorm::DispatchInfo> d;
    Error e = vknorm::describe_dispatches(context(ctx), call.args, &d);
    *count = capacity;
    if (!e) copy_dispatches(d, count, out);
    else *count = 0;
    return e;
  });
}

vknorm_status vknorm_describe_dispatches_layer_norm_backward(vknorm_context ctx,
                                                             const vknorm_layer_norm_backward_args* args,
                                                             uint32_t* count, vknorm_dispatch_info* out) {
  return guarded([&]() -> Error {
    if (!count) return null_argument("count");
    const uint32_t capacity = *count;
    *count = 0;
    if (!args) return null_argument("args");
    const LayerNormBackwardCall call(*args);
    std::vector<vknorm::DispatchInfo> d;
    Error e = vknorm::describe_dispatches(context(ctx), call.args, &d);
    *count = capacity;
    if (!e) copy_dispatches(d, count, out);
    else *count = 0;
    return e;
  });
}


void vknorm_rms_norm_last_args_init(vknorm_rms_norm_last_args* args) {
  init_with_defaults<vknorm_rms_norm_last_args, vknorm::RmsNormLastArgs>(args);
}
void vknorm_add_rms_norm_args_init(vknorm_add_rms_norm_args* args) {
  init_with_defaults<vknorm_add_rms_norm_args, vknorm::AddRmsNormArgs>(args);
}
vknorm_status vknorm_rms_norm_last_scratch_size(vknorm_context ctx, const vknorm_rms_norm_last_args* args,
                                                VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return with_call<RmsNormLastCall>(args, [&](const auto& a) { return vknorm::rms_norm_last_scratch_size(context(ctx), a, out_bytes); });
}
vknorm_status vknorm_add_rms_norm_scratch_size(vknorm_context ctx, const vknorm_add_rms_norm_args* args,
                                               VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return with_call<AddRmsNormCall>(args, [&](const auto& a) { return vknorm::add_rms_norm_scratch_size(context(ctx), a, out_bytes); });
}
vknorm_status vknorm_select_config_rms_norm_last(vknorm_context ctx, const vknorm_rms_norm_last_args* args,
                                                 vknorm_kernel_config* out) {
  return select_with<RmsNormLastCall>(ctx, args, out);
}
vknorm_status vknorm_select_config_add_rms_norm(vknorm_context ctx, const vknorm_add_rms_norm_args* args,
                                                vknorm_kernel_config* out) {
  return select_with<AddRmsNormCall>(ctx, args, out);
}
vknorm_status vknorm_prepare_rms_norm_last(vknorm_context ctx, const vknorm_rms_norm_last_args* args) {
  return with_call<RmsNormLastCall>(args, [&](const auto& a) { return vknorm::prepare_rms_norm_last(context(ctx), a); });
}
vknorm_status vknorm_prepare_add_rms_norm(vknorm_context ctx, const vknorm_add_rms_norm_args* args) {
  return with_call<AddRmsNormCall>(args, [&](const auto& a) { return vknorm::prepare_add_rms_norm(context(ctx), a); });
}
vknorm_status vknorm_record_rms_norm_last(vknorm_context ctx, VkCommandBuffer cmd,
                                         const vknorm_rms_norm_last_args* args) {
  return with_call<RmsNormLastCall>(args, [&](const auto& a) { return vknorm::record_rms_norm_last(context(ctx), cmd, a); });
}
vknorm_status vknorm_record_add_rms_norm(vknorm_context ctx, VkCommandBuffer cmd,
                                        const vknorm_add_rms_norm_args* args) {
  return with_call<AddRmsNormCall>(args, [&](const auto& a) { return vknorm::record_add_rms_norm(context(ctx), cmd, a); });
}
vknorm_status vknorm_describe_dispatches_rms_norm_last(vknorm_context ctx, const vknorm_rms_norm_last_args* args,
                                                       uint32_t* count, vknorm_dispatch_info* out) {
  return describe_with<RmsNormLastCall>(ctx, args, count, out);
}
vknorm_status vknorm_describe_dispatches_add_rms_norm(vknorm_context ctx, const vknorm_add_rms_norm_args* args,
                                                      uint32_t* count, vknorm_dispatch_info* out) {
  return describe_with<AddRmsNormCall>(ctx, args, count, out);
}

void vknorm_add_layer_norm_args_init(vknorm_add_layer_norm_args* args) {
  init_with_defaults<vknorm_add_layer_norm_args, vknorm::AddLayerNormArgs>(args);
}
vknorm_status vknorm_add_layer_norm_scratch_size(vknorm_context ctx, const vknorm_add_layer_norm_args* args,
                                                 VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return with_call<AddLayerNormCall>(args, [&](const auto& a) { return vknorm::add_layer_norm_scratch_size(context(ctx), a, out_bytes); });
}
vknorm_status vknorm_select_config_add_layer_norm(vknorm_context ctx, const vknorm_add_layer_norm_args* args,
                                                  vknorm_kernel_config* out) {
  return select_with<AddLayerNormCall>(ctx, args, out);
}
vknorm_status vknorm_prepare_add_layer_norm(vknorm_context ctx, const vknorm_add_layer_norm_args* args) {
  return with_call<AddLayerNormCall>(args, [&](const auto& a) { return vknorm::prepare_add_layer_norm(context(ctx), a); });
}
vknorm_status vknorm_record_add_layer_norm(vknorm_context ctx, VkCommandBuffer cmd,
                                          const vknorm_add_layer_norm_args* args) {
  return with_call<AddLayerNormCall>(args, [&](const auto& a) { return vknorm::record_add_layer_norm(context(ctx), cmd, a); });
}
vknorm_status vknorm_describe_dispatches_add_layer_norm(vknorm_context ctx, const vknorm_add_layer_norm_args* args,
                                                        uint32_t* count, vknorm_dispatch_info* out) {
  return describe_with<AddLayerNormCall>(ctx, args, count, out);
}

void vknorm_batch_norm_args_init(vknorm_batch_norm_args* args) {
  if (!args) return;
  *args = vknorm_batch_norm_args{};
  const vknorm::BatchNormArgs d;
  args->training = d.training ? 1 : 0;
  args->momentum = d.momentum;
  args->eps = d.eps;
}
vknorm_status vknorm_batch_norm_scratch_size(vknorm_context ctx, const vknorm_batch_norm_args* args,
                                             VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return with_call<BatchNormCall>(args, [&](const auto& a) { return vknorm::batch_norm_scratch_size(context(ctx), a, out_bytes); });
}
vknorm_status vknorm_select_config_batch_norm(vknorm_context ctx, const vknorm_batch_norm_args* args,
                                              vknorm_kernel_config* out) {
  return select_with<BatchNormCall>(ctx, args, out);
}
vknorm_status vknorm_prepare_batch_norm(vknorm_context ctx, const vknorm_batch_norm_args* args) {
  return with_call<BatchNormCall>(args, [&](const auto& a) { return vknorm::prepare_batch_norm(context(ctx), a); });
}
vknorm_status vknorm_record_batch_norm(vknorm_context ctx, VkCommandBuffer cmd, const vknorm_batch_norm_args* args) {
  return with_call<BatchNormCall>(args, [&](const auto& a) { return vknorm::record_batch_norm(context(ctx), cmd, a); });
}
vknorm_status vknorm_describe_dispatches_batch_norm(vknorm_context ctx, const vknorm_batch_norm_args* args,
                                                    uint32_t* count, vknorm_dispatch_info* out) {
  return describe_with<BatchNormCall>(ctx, args, count, out);
}

void vknorm_lp_norm_args_init(vknorm_lp_norm_args* args) {
  if (!args) return;
  *args = vknorm_lp_norm_args{};
  args->p = vknorm::LpNormArgs{}.p;
}
vknorm_status vknorm_lp_norm_scratch_size(vknorm_context ctx, const vknorm_lp_norm_args* args, VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return with_call<LpNormCall>(args, [&](const auto& a) { return vknorm::lp_norm_scratch_size(context(ctx), a, out_bytes); });
}
vknorm_status vknorm_select_config_lp_norm(vknorm_context ctx, const vknorm_lp_norm_args* args,
                                           vknorm_kernel_config* out) {
  return select_with<LpNormCall>(ctx, args, out);
}
vknorm_status vknorm_prepare_lp_norm(vknorm_context ctx, const vknorm_lp_norm_args* args) {
  return with_call<LpNormCall>(args, [&](const auto& a) { return vknorm::prepare_lp_norm(context(ctx), a); });
}
vknorm_status vknorm_record_lp_norm(vknorm_context ctx, VkCommandBuffer cmd, const vknorm_lp_norm_args* args) {
  return with_call<LpNormCall>(args, [&](const auto& a) { return vknorm::record_lp_norm(context(ctx), cmd, a); });
}
vknorm_status vknorm_describe_dispatches_lp_norm(vknorm_context ctx, const vknorm_lp_norm_args* args,
                                                 uint32_t* count, vknorm_dispatch_info* out) {
  return describe_with<LpNormCall>(ctx, args, count, out);
}

void vknorm_frobenius_norm_args_init(vknorm_frobenius_norm_args* args) {
  if (!args) return;
  *args = vknorm_frobenius_norm_args{};
}
vknorm_status vknorm_frobenius_norm_scratch_size(vknorm_context ctx, const vknorm_frobenius_norm_args* args,
                                                 VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return with_call<FrobeniusNormCall>(
      args, [&](const auto& a) { return vknorm::frobenius_norm_scratch_size(context(ctx), a, out_bytes); });
}
vknorm_status vknorm_select_config_frobenius_norm(vknorm_context ctx, const vknorm_frobenius_norm_args* args,
                                                  vknorm_kernel_config* out) {
  return select_with<FrobeniusNormCall>(ctx, args, out);
}
vknorm_status vknorm_prepare_frobenius_norm(vknorm_context ctx, const vknorm_frobenius_norm_args* args) {
  return with_call<FrobeniusNormCall>(args, [&](const auto& a) { return vknorm::prepare_frobenius_norm(context(ctx), a); });
}
vknorm_status vknorm_record_frobenius_norm(vknorm_context ctx, VkCommandBuffer cmd,
                                           const vknorm_frobenius_norm_args* args) {
  return with_call<FrobeniusNormCall>(args,
                                      [&](const auto& a) { return vknorm::record_frobenius_norm(context(ctx), cmd, a); });
}
vknorm_status vknorm_describe_dispatches_frobenius_norm(vknorm_context ctx, const vknorm_frobenius_norm_args* args,
                                                        uint32_t* count, vknorm_dispatch_info* out) {
  return describe_with<FrobeniusNormCall>(ctx, args, count, out);
}

vknorm_status vknorm_describe_dispatches_rms_norm_backward(vknorm_context ctx,
                                                           const vknorm_rms_norm_backward_args* args,
                                                           uint32_t* count, vknorm_dispatch_info* out) {
  return guarded([&]() -> Error {
    if (!count) return null_argument("count");
    const uint32_t capacity = *count;
    *count = 0;
    if (!args) return null_argument("args");
    const RmsNormBackwardCall call(*args);
    std::vector<vknorm::DispatchInfo> d;
    Error e = vknorm::describe_dispatches(context(ctx), call.args, &d);
    *count = capacity;
    if (!e) copy_dispatches(d, count, out);
    else *count = 0;
    return e;
  });
}

void vknorm_group_norm_args_init(vknorm_group_norm_args* args) {
  if (!args) return;
  *args = vknorm_group_norm_args{};
  const vknorm::GroupNormArgs d;
  args->num_groups = d.num_groups;
  args->eps = d.eps;
}
vknorm_status vknorm_group_norm_scratch_size(vknorm_context ctx, const vknorm_group_norm_args* args,
                                             VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return with_call<GroupNormCall>(args, [&](const auto& a) { return vknorm::group_norm_scratch_size(context(ctx), a, out_bytes); });
}
vknorm_status vknorm_select_config_group_norm(vknorm_context ctx, const vknorm_group_norm_args* args,
                                              vknorm_kernel_config* out) {
  return select_with<GroupNormCall>(ctx, args, out);
}
vknorm_status vknorm_prepare_group_norm(vknorm_context ctx, const vknorm_group_norm_args* args) {
  return with_call<GroupNormCall>(args, [&](const auto& a) { return vknorm::prepare_group_norm(context(ctx), a); });
}
vknorm_status vknorm_record_group_norm(vknorm_context ctx, VkCommandBuffer cmd, const vknorm_group_norm_args* args) {
  return with_call<GroupNormCall>(args, [&](const auto& a) { return vknorm::record_group_norm(context(ctx), cmd, a); });
}
vknorm_status vknorm_describe_dispatches_group_norm(vknorm_context ctx, const vknorm_group_norm_args* args,
                                                    uint32_t* count, vknorm_dispatch_info* out) {
  return describe_with<GroupNormCall>(ctx, args, count, out);
}

void vknorm_instance_norm_args_init(vknorm_instance_norm_args* args) {
  if (!args) return;
  *args = vknorm_instance_norm_args{};
  const vknorm::InstanceNormArgs d;
  args->use_input_stats = d.use_input_stats ? 1 : 0;
  args->momentum = d.momentum;
  args->eps = d.eps;
}
vknorm_status vknorm_instance_norm_scratch_size(vknorm_context ctx, const vknorm_instance_norm_args* args,
                                                VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return with_call<InstanceNormCall>(args, [&](const auto& a) { return vknorm::instance_norm_scratch_size(context(ctx), a, out_bytes); });
}
vknorm_status vknorm_select_config_instance_norm(vknorm_context ctx, const vknorm_instance_norm_args* args,
                                                 vknorm_kernel_config* out) {
  return select_with<InstanceNormCall>(ctx, args, out);
}
vknorm_status vknorm_prepare_instance_norm(vknorm_context ctx, const vknorm_instance_norm_args* args) {
  return with_call<InstanceNormCall>(args, [&](const auto& a) { return vknorm::prepare_instance_norm(context(ctx), a); });
}
vknorm_status vknorm_record_instance_norm(vknorm_context ctx, VkCommandBuffer cmd,
                                          const vknorm_instance_norm_args* args) {
  return with_call<InstanceNormCall>(args, [&](const auto& a) { return vknorm::record_instance_norm(context(ctx), cmd, a); });
}
vknorm_status vknorm_describe_dispatches_instance_norm(vknorm_context ctx, const vknorm_instance_norm_args* args,
                                                       uint32_t* count, vknorm_dispatch_info* out) {
  return describe_with<InstanceNormCall>(ctx, args, count, out);
}

vknorm_status vknorm_record_copy(vknorm_context ctx, VkCommandBuffer cmd, const vknorm_tensor* src,
                                 const vknorm_tensor* dst, VkDeviceSize bytes) {
  return guarded([&]() -> Error {
    if (!src) return null_argument("src");
    if (!dst) return null_argument("dst");
    return vknorm::record_copy(context(ctx), cmd, to_cpp(*src), to_cpp(*dst), bytes);
  });
}

}  // extern "C"
