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

using vknorm::Activation;
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
VKNORM_SAME_VALUE(VKNORM_ACTIVATION_NONE, Activation::none);
VKNORM_SAME_VALUE(VKNORM_ACTIVATION_SILU, Activation::silu);
VKNORM_SAME_VALUE(VKNORM_ACTIVATION_GELU_TANH, Activation::gelu_tanh);
VKNORM_SAME_VALUE(VKNORM_DTYPE_I8, DType::i8);
VKNORM_SAME_VALUE(VKNORM_DTYPE_I32, DType::i32);
VKNORM_SAME_VALUE(VKNORM_DTYPE_F8_E4M3, DType::f8_e4m3);
VKNORM_SAME_VALUE(VKNORM_DTYPE_F8_E5M2, DType::f8_e5m2);
VKNORM_SAME_VALUE(VKNORM_OP_RMS_NORM, vknorm::Op::rms_norm);
VKNORM_SAME_VALUE(VKNORM_OP_LAYER_NORM_FORWARD, vknorm::Op::layer_norm_forward);
VKNORM_SAME_VALUE(VKNORM_OP_LAYER_NORM_BACKWARD, vknorm::Op::layer_norm_backward);
VKNORM_SAME_VALUE(VKNORM_OP_RMS_NORM_LAST, vknorm::Op::rms_norm_last);
VKNORM_SAME_VALUE(VKNORM_OP_ADD_RMS_NORM, vknorm::Op::add_rms_norm);
VKNORM_SAME_VALUE(VKNORM_OP_ADD_LAYER_NORM, vknorm::Op::add_layer_norm);
VKNORM_SAME_VALUE(VKNORM_OP_ADA_NORM, vknorm::Op::ada_norm);
VKNORM_SAME_VALUE(VKNORM_OP_GATED_RMS_NORM, vknorm::Op::gated_rms_norm);
VKNORM_SAME_VALUE(VKNORM_OP_QK_NORM_ROPE, vknorm::Op::qk_norm_rope);
VKNORM_SAME_VALUE(VKNORM_ROPE_STYLE_NEOX, vknorm::RopeStyle::neox);
VKNORM_SAME_VALUE(VKNORM_ROPE_STYLE_GPTJ, vknorm::RopeStyle::gptj);
VKNORM_SAME_VALUE(VKNORM_NORM_KIND_LAYER, vknorm::NormKind::layer);
VKNORM_SAME_VALUE(VKNORM_NORM_KIND_RMS, vknorm::NormKind::rms);
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
//
// A C struct and its C++ twin have the same members under the same names (the C struct lacks
// only what C cannot hold, such as the operators' `config` pointer, converted by hand). Each
// pair is written down once as a field list, VKNORM_C_FIELDS_<type>(F) = F(member) ...;
// Assign walks such a list in either direction, so the C-to-C++ and C++-to-C conversions are
// one piece of code: a nested struct (a tensor in the args) by its own list, an array element
// by element, anything else (numbers, enums, handles, bool <-> VkBool32 / uint32_t 0 or 1) by
// static_cast.

VkBool32 to_c(bool b) { return b ? VK_TRUE : VK_FALSE; }

template <class T>
struct Fields;  // specialized below for both types of each pair

struct Assign {
  template <class To, class From>
  void operator()(To& to, const From& from) const {
    if constexpr (std::is_array<To>::value) {
      for (size_t i = 0; i < std::extent<To>::value; ++i) (*this)(to[i], from[i]);
    } else if constexpr (std::is_class<To>::value) {
      Fields<To>::each(to, from, *this);
    } else {
      to = static_cast<To>(from);
    }
  }
};

// A value of type To with the listed members of `from` (the others value-initialized).
template <class To, class From>
To convert(const From& from) {
  To to{};
  Assign{}(to, from);
  return to;
}

#define VKNORM_C_EACH(member) fn(to.member, from.member);
#define VKNORM_C_TWINS(c_type, cpp_type, FIELDS)                          \
  template <>                                                               \
  struct Fields<c_type> {                                                   \
    template <class To, class From, class Fn>                               \
    static void each(To& to, const From& from, Fn fn) { FIELDS(VKNORM_C_EACH) } \
  };                                                                        \
  template <>                                                               \
  struct Fields<cpp_type> : Fields<c_type> {};

#define VKNORM_C_FIELDS_tensor(F) F(buffer) F(offset) F(address) F(size) F(dtype) F(rank) F(shape) F(strides)
#define VKNORM_C_FIELDS_features(F)                                                                \
  F(push_descriptor) F(buffer_device_address) F(storage_buffer_16bit) F(storage_buffer_8bit) \
  F(subgroup_size_control) F(pipeline_executable_info)
// The numeric fields only: the strings are read back (to_c below), never input.
#define VKNORM_C_FIELDS_config(F) \
  F(workgroup_size) F(items_per_invocation) F(vector_width) F(channel_split) F(split) F(rows_per_workgroup) F(wave_bytes)
VKNORM_C_TWINS(vknorm_tensor, Tensor, VKNORM_C_FIELDS_tensor)
VKNORM_C_TWINS(vknorm_device_features, vknorm::EnabledFeatures, VKNORM_C_FIELDS_features)
VKNORM_C_TWINS(vknorm_kernel_config, KernelConfig, VKNORM_C_FIELDS_config)
#define VKNORM_C_FIELDS_limits(F)                                                                  \
  F(max_workgroup_invocations) F(max_workgroup_count) F(max_shared_memory_bytes) F(max_storage_buffer_range) \
  F(min_storage_buffer_offset_alignment) F(no_subgroup_arithmetic)
VKNORM_C_TWINS(vknorm_device_limits, vknorm::DeviceLimits, VKNORM_C_FIELDS_limits)

// Every operator's args (VKNORM_OPERATORS in vknorm.h: X(name, Args) pairs vknorm_<name>_args
// with vknorm::Args), config excepted. A new operator adds its line here.
#define VKNORM_C_FIELDS_rms_norm(F) F(x) F(y) F(weight) F(eps)
#define VKNORM_C_FIELDS_layer_norm(F) \
  F(x) F(y) F(weight) F(bias) F(mean) F(rstd) F(normalized_rank) F(eps) F(scratch)
#define VKNORM_C_FIELDS_layer_norm_backward(F) \
  F(dy) F(x) F(weight) F(mean) F(rstd) F(dx) F(dweight) F(dbias) F(normalized_rank) F(scratch)
#define VKNORM_C_FIELDS_rms_norm_backward(F) \
  F(dy) F(x) F(weight) F(weight_offset) F(rstd) F(dx) F(dweight) F(normalized_rank) F(scratch)
#define VKNORM_C_FIELDS_rms_norm_last(F) \
  F(x) F(y) F(weight) F(weight_offset) F(rstd) F(y_scale) F(static_scale) F(scale_group_size) F(normalized_rank) \
  F(eps)
#define VKNORM_C_FIELDS_add_rms_norm(F) VKNORM_C_FIELDS_rms_norm_last(F) F(residual) F(residual_out) F(add_bias)
#define VKNORM_C_FIELDS_add_layer_norm(F) VKNORM_C_FIELDS_layer_norm(F) F(residual) F(residual_out) F(add_bias)
#define VKNORM_C_FIELDS_lp_norm(F) F(x) F(y) F(p)
#define VKNORM_C_FIELDS_batch_norm(F)                                                             \
  F(x) F(y) F(weight) F(bias) F(running_mean) F(running_var) F(save_mean) F(save_invstd) F(training) \
  F(momentum) F(eps) F(scratch)
#define VKNORM_C_FIELDS_group_norm(F) \
  F(x) F(y) F(weight) F(bias) F(mean) F(rstd) F(num_groups) F(eps) F(activation) F(channels_last) F(scratch)
#define VKNORM_C_FIELDS_instance_norm(F)                                                      \
  F(x) F(y) F(weight) F(bias) F(running_mean) F(running_var) F(use_input_stats) F(momentum) \
  F(eps) F(scratch)
#define VKNORM_C_FIELDS_frobenius_norm(F) F(x) F(y) F(norm) F(scratch)
#define VKNORM_C_FIELDS_ada_norm(F)                                                               \
  F(x) F(residual) F(gate) F(residual_out) F(scale) F(shift) F(weight) F(bias) F(y) F(y_scale) \
  F(static_scale) F(norm) F(scale_offset) F(eps) F(scratch)
#define VKNORM_C_FIELDS_gated_rms_norm(F) F(x) F(z) F(weight) F(y) F(norm_before_gate) F(eps) F(scratch)
#define VKNORM_C_FIELDS_qk_norm_rope(F)                                                         \
  F(q) F(k) F(q_out) F(k_out) F(q_weight) F(k_weight) F(positions) F(cos_sin_cache) F(rotary_dim) \
  F(style) F(rope_theta) F(eps)
#define VKNORM_C_OPERATOR_TWINS(name, Args) \
  VKNORM_C_TWINS(vknorm_##name##_args, vknorm::Args, VKNORM_C_FIELDS_##name)
VKNORM_OPERATORS(VKNORM_C_OPERATOR_TWINS)
#undef VKNORM_C_OPERATOR_TWINS
#undef VKNORM_C_TWINS

void to_c(const KernelConfig& c, vknorm_kernel_config* out) {
  *out = convert<vknorm_kernel_config>(c);
  copy_string(c.source, out->source);
  copy_string(c.case_class, out->case_class);
}

// C++ arguments built from C ones; they own the converted config override they point to, so
// they are neither copied nor moved.
template <class Args>
struct Call {
  Args args;
  KernelConfig config;
  template <class CArgs>
  explicit Call(const CArgs& a) {
    Assign{}(args, a);
    if (a.config) {
      config = convert<KernelConfig>(*a.config);
      args.config = &config;
    }
  }
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
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
// --- the six entry points of an operator, written once over its C++ Args -------------------

template <class Args, class CArgs, class Fn>
vknorm_status with_call(const CArgs* args, Fn fn) {
  return guarded([&]() -> Error {
    if (!args) return null_argument("args");
    const Call<Args> call(*args);
    return fn(call.args);
  });
}

template <class Args, class CArgs>
void args_init(CArgs* args) {
  if (args) *args = convert<CArgs>(Args{});  // zeroed, with the C++ defaults
}

template <class Args, class CArgs>
vknorm_status scratch_size(vknorm_context ctx, const CArgs* args, VkDeviceSize* out_bytes) {
  if (out_bytes) *out_bytes = 0;
  return with_call<Args>(args, [&](const Args& a) { return vknorm::scratch_size(context(ctx), a, out_bytes); });
}

template <class Args, class CArgs>
vknorm_status select_config(vknorm_context ctx, const CArgs* args, vknorm_kernel_config* out) {
  if (out) *out = vknorm_kernel_config{};
  return with_call<Args>(args, [&](const Args& a) {
    KernelConfig c;
    Error e = vknorm::select_config(context(ctx), a, &c);
    if (!e && out) to_c(c, out);
    return e;
  });
}

template <class Args, class CArgs>
vknorm_status prepare(vknorm_context ctx, const CArgs* args) {
  return with_call<Args>(args, [&](const Args& a) { return vknorm::prepare(context(ctx), a); });
}

template <class Args, class CArgs>
vknorm_status record(vknorm_context ctx, VkCommandBuffer cmd, const CArgs* args) {
  return with_call<Args>(args, [&](const Args& a) { return vknorm::record(context(ctx), cmd, a); });
}

template <class Args, class CArgs>
vknorm_status describe_dispatches(vknorm_context ctx, const CArgs* args, uint32_t* count, vknorm_dispatch_info* out) {
  return guarded([&]() -> Error {
    if (!count) return null_argument("count");
    const uint32_t capacity = *count;
    *count = 0;
    if (!args) return null_argument("args");
    const Call<Args> call(*args);
    std::vector<vknorm::DispatchInfo> d;
    Error e = vknorm::describe_dispatches(context(ctx), call.args, &d);
    *count = capacity;
    if (!e) copy_dispatches(d, count, out);
    else *count = 0;
    return e;
  });
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
    return convert<vknorm_tensor>(Tensor::contiguous(buffer, offset, size, static_cast<DType>(dtype),
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
  t.size = convert<Tensor>(t).bytes_needed();
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
  return tensor ? convert<Tensor>(*tensor).bytes_needed() : 0;
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
    r.supported = convert<vknorm_device_features>(req.supported);
    r.features_to_enable = convert<vknorm_device_features>(req.features_to_enable());
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
    vknorm::fill_device_feature_chain(convert<vknorm::EnabledFeatures>(*enable), as_cpp(out));
    as_cpp(out)->chain();  // links the structures of *out itself
    return Error{};
  });
}

vknorm_status vknorm_add_device_features(const vknorm_device_features* features, uint32_t device_api_version,
                                         VkDeviceCreateInfo* create_info, vknorm_device_feature_chain* storage) {
  return guarded([&]() -> Error {
    if (!features) return null_argument("features");
    return vknorm::add_device_features(convert<vknorm::EnabledFeatures>(*features), device_api_version, create_info,
                                       storage ? as_cpp(storage) : nullptr);
  });
}

// --- context --------------------------------------------------------------------------------

vknorm_status vknorm_device_limits_profile(const char* name, vknorm_device_limits* out) {
  if (out) *out = vknorm_device_limits{};
  return guarded([&]() -> Error {
    if (!out) return null_argument("out");
    vknorm::DeviceLimits d;
    if (Error e = vknorm::device_limits_profile(name, &d)) return e;
    *out = convert<vknorm_device_limits>(d);
    return Error{};
  });
}

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
    ci.enabled = convert<vknorm::EnabledFeatures>(info->enabled);
    ci.context_scratch_bytes = info->context_scratch_bytes;
    ci.force_shared_memory_reduction = info->force_shared_memory_reduction != VK_FALSE;
    ci.tuning_cache_path = info->tuning_cache_path;
    ci.batch_invariant = info->batch_invariant != VK_FALSE;
    ci.virtual_subgroup_size = info->virtual_subgroup_size;
    vknorm::DeviceLimits limits;
    if (info->limits) {
      limits = convert<vknorm::DeviceLimits>(*info->limits);
      ci.limits = &limits;
    }
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
    r.limits_lowered = to_c(d.limits_lowered);
    r.virtual_subgroup_size = d.virtual_subgroup_size;
    r.enabled = convert<vknorm_device_features>(d.enabled);
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
    KernelConfig c = convert<KernelConfig>(*config);
    c.source.assign(config->source, std::find(config->source, std::end(config->source), '\0'));
    c.case_class.assign(config->case_class, std::find(config->case_class, std::end(config->case_class), '\0'));
    const std::string s = vknorm::to_string(c);
    return copy_string(s.c_str(), s.size(), buf, buf_size);
  } catch (...) {
    return 0;
  }
}

void vknorm_prepare_info_init(vknorm_prepare_info* info) {
  if (!info) return;
  *info = vknorm_prepare_info{};
  info->normalized_rank = 1;
  info->aligned = VK_TRUE;
  info->weight_grads = VK_TRUE;
  info->num_groups = 1;
  info->scale = VK_TRUE;
  info->shift = VK_TRUE;
  info->norm_before_gate = VK_TRUE;
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
    p.output_dtype = static_cast<DType>(info->output_dtype);
    p.scale_group_size = info->scale_group_size;
    p.num_groups = info->num_groups;
    p.activation = static_cast<Activation>(info->activation);
    p.add_bias = info->add_bias != VK_FALSE;
    p.norm = static_cast<vknorm::NormKind>(info->norm);
    p.residual = info->residual != VK_FALSE;
    p.gate = info->gate != VK_FALSE;
    p.scale = info->scale != VK_FALSE;
    p.shift = info->shift != VK_FALSE;
    p.norm_before_gate = info->norm_before_gate != VK_FALSE;
    p.f32_params = info->f32_params != VK_FALSE;
    p.f32_residual = info->f32_residual != VK_FALSE;
    p.kv_heads = info->kv_heads;
    p.k_out_f16 = info->k_out_f16 != VK_FALSE;
    KernelConfig cfg;
    if (info->config) {
      cfg = convert<KernelConfig>(*info->config);
      p.config = &cfg;
    }
    return vknorm::prepare(context(ctx), p);
  });
}

size_t vknorm_pipeline_count(vknorm_context ctx) { return ctx ? vknorm::pipeline_count(context(ctx)) : 0; }

// --- operators: VKNORM_DECLARE_OPERATOR(name) of the header, for every X(name, Args) --------

#define VKNORM_C_OPERATOR(name, Args)                                                                  \
  void vknorm_##name##_args_init(vknorm_##name##_args* args) { args_init<vknorm::Args>(args); }        \
  vknorm_status vknorm_##name##_scratch_size(vknorm_context ctx, const vknorm_##name##_args* args,     \
                                             VkDeviceSize* out_bytes) {                                \
    return scratch_size<vknorm::Args>(ctx, args, out_bytes);                                           \
  }                                                                                                    \
  vknorm_status vknorm_select_config_##name(vknorm_context ctx, const vknorm_##name##_args* args,      \
                                            vknorm_kernel_config* out) {                               \
    return select_config<vknorm::Args>(ctx, args, out);                                                \
  }                                                                                                    \
  vknorm_status vknorm_prepare_##name(vknorm_context ctx, const vknorm_##name##_args* args) {          \
    return prepare<vknorm::Args>(ctx, args);                                                           \
  }                                                                                                    \
  vknorm_status vknorm_record_##name(vknorm_context ctx, VkCommandBuffer cmd,                          \
                                     const vknorm_##name##_args* args) {                               \
    return record<vknorm::Args>(ctx, cmd, args);                                                       \
  }                                                                                                    \
  vknorm_status vknorm_describe_dispatches_##name(vknorm_context ctx, const vknorm_##name##_args* args, \
                                                  uint32_t* count, vknorm_dispatch_info* out) {        \
    return describe_dispatches<vknorm::Args>(ctx, args, count, out);                                   \
  }
VKNORM_OPERATORS(VKNORM_C_OPERATOR)
#undef VKNORM_C_OPERATOR
vknorm_status vknorm_record_copy(vknorm_context ctx, VkCommandBuffer cmd, const vknorm_tensor* src,
                                 const vknorm_tensor* dst, VkDeviceSize bytes) {
  return guarded([&]() -> Error {
    if (!src) return null_argument("src");
    if (!dst) return null_argument("dst");
    return vknorm::record_copy(context(ctx), cmd, convert<Tensor>(*src), convert<Tensor>(*dst), bytes);
  });
}

}  // extern "C"
