// Names and version strings of the public API's enums and configs.
#include "op_spec.h"

#include <vknorm/vknorm.h>

#include <sstream>

namespace vknorm {

const char* version_string() { return VKNORM_VERSION; }

const char* status_name(Status s) {
  switch (s) {
    case Status::ok: return "ok";
    case Status::invalid_argument: return "invalid_argument";
    case Status::unsupported: return "unsupported";
    case Status::out_of_memory: return "out_of_memory";
    case Status::vulkan_error: return "vulkan_error";
  }
  return "unknown";
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "f32";
    case DType::f16: return "f16";
    case DType::bf16: return "bf16";
    case DType::i8: return "i8";
    case DType::i32: return "i32";
    case DType::f8_e4m3: return "f8_e4m3";
    case DType::f8_e5m2: return "f8_e5m2";
  }
  return "unknown";
}

size_t dtype_size(DType t) {
  switch (t) {
    case DType::f32: return 4;
    case DType::f16:
    case DType::bf16: return 2;
    case DType::i8:
    case DType::f8_e4m3:
    case DType::f8_e5m2: return 1;
    case DType::i32: return 4;
  }
  return 0;
}

const char* device_class_name(DeviceClass c) {
  switch (c) {
    case DeviceClass::generic: return "generic";
    case DeviceClass::ada: return "ada";
    case DeviceClass::hopper: return "hopper";
    case DeviceClass::lavapipe: return "lavapipe";
  }
  return "unknown";
}

const char* op_name(Op op) {
  const detail::OpSpec* spec = detail::find_op_spec(op);
  return spec ? spec->name : "unknown";
}

std::string to_string(const KernelConfig& c) {
  std::ostringstream s;
  s << "wg=" << c.workgroup_size << " items=" << c.items_per_invocation << " vec=" << c.vector_width
    << " csplit=" << c.channel_split << " split=" << c.split << " rows=" << c.rows_per_workgroup
    << " wave=" << c.wave_bytes << " (" << c.source << ")";
  return s.str();
}

}  // namespace vknorm
