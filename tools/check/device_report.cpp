#include "tools/check/device_report.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vknorm_check {

using vknorm_support::Json;

std::string vendor_name(uint32_t id) {
  switch (id) {
    case 0x10DE: return "NVIDIA";
    case 0x1002: return "AMD";
    case 0x1022: return "AMD";
    case 0x8086: return "Intel";
    case 0x13B5: return "ARM";
    case 0x5143: return "Qualcomm";
    case 0x1010: return "Imagination";
    case 0x14E4: return "Broadcom";
    case 0x106B: return "Apple";
    case 0x144D: return "Samsung";
    case 0x10005: return "Mesa";
    case 0x10001: return "Vivante";
    case 0x10002: return "VeriSilicon";
    case 0x10003: return "Kazan";
    case 0x10004: return "Codeplay";
    case 0x10006: return "PoCL";
    case 0x1AE0: return "Google";
    default: return "unknown";
  }
}

std::string driver_id_name(uint32_t id) {
  static const char* const names[] = {
      "",
      "AMD_PROPRIETARY",
      "AMD_OPEN_SOURCE",
      "MESA_RADV",
      "NVIDIA_PROPRIETARY",
      "INTEL_PROPRIETARY_WINDOWS",
      "INTEL_OPEN_SOURCE_MESA",
      "IMAGINATION_PROPRIETARY",
      "QUALCOMM_PROPRIETARY",
      "ARM_PROPRIETARY",
      "GOOGLE_SWIFTSHADER",
      "GGP_PROPRIETARY",
      "BROADCOM_PROPRIETARY",
      "MESA_LLVMPIPE",
      "MOLTENVK",
      "COREAVI_PROPRIETARY",
      "JUICE_PROPRIETARY",
      "VERISILICON_PROPRIETARY",
      "MESA_TURNIP",
      "MESA_V3DV",
      "MESA_PANVK",
      "SAMSUNG_PROPRIETARY",
      "MESA_VENUS",
      "MESA_DOZEN",
      "MESA_NVK",
      "IMAGINATION_OPEN_SOURCE_MESA",
      "MESA_AGXV",
  };
  if (id < sizeof(names) / sizeof(names[0])) return names[id];
  return "DRIVER_ID_" + std::to_string(id);
}

std::string driver_version_string(uint32_t vendor_id, uint32_t driver_id, uint32_t v) {
  char buf[64];
  if (vendor_id == 0x10DE && (driver_id == 0 || driver_id == VK_DRIVER_ID_NVIDIA_PROPRIETARY)) {
    std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", (v >> 22) & 0x3FFu, (v >> 14) & 0xFFu,
                  (v >> 6) & 0xFFu, v & 0x3Fu);
  } else if (driver_id == VK_DRIVER_ID_INTEL_PROPRIETARY_WINDOWS) {
    std::snprintf(buf, sizeof buf, "%u.%u", v >> 14, v & 0x3FFFu);
  } else {
    std::snprintf(buf, sizeof buf, "%u.%u.%u", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v),
                  VK_API_VERSION_PATCH(v));
  }
  return buf;
}

std::string api_version_string(uint32_t v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%u.%u.%u", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v),
                VK_API_VERSION_PATCH(v));
  return buf;
}

namespace {

const char* device_type_name(VkPhysicalDeviceType t) {
  switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

Json features_json(const vknorm::EnabledFeatures& f) {
  Json j = Json::object();
  j["push_descriptor"] = f.push_descriptor;
  j["buffer_device_address"] = f.buffer_device_address;
  j["storage_buffer_16bit"] = f.storage_buffer_16bit;
  j["subgroup_size_control"] = f.subgroup_size_control;
  j["pipeline_executable_info"] = f.pipeline_executable_info;
  return j;
}

const char* yes(bool b) { return b ? "yes" : "no"; }

}  // namespace

DeviceReport describe_device(const vknorm_support::HostDevice& device, bool validation) {
  DeviceReport d;
  const vknorm::DeviceInfo& info = device.info();
  const VkPhysicalDeviceProperties& props = device.properties();
  d.name = info.name.empty() ? props.deviceName : info.name;
  d.vendor_id = props.vendorID;
  d.device_id = props.deviceID;
  d.vendor_name = vendor_name(d.vendor_id);
  d.device_type = device_type_name(props.deviceType);
  d.driver_id = info.driver_id;
  d.driver_version = props.driverVersion;
  d.api_version = props.apiVersion;
  d.device_class = vknorm::device_class_name(info.device_class);
  d.subgroup_size = info.subgroup_size;
  d.reported_subgroup_size = info.reported_subgroup_size;
  d.quirks = info.quirks;
  d.min_subgroup_size = info.min_subgroup_size;
  d.max_subgroup_size = info.max_subgroup_size;
  d.subgroup_arithmetic = info.subgroup_arithmetic;
  d.shared_memory_reduction = info.shared_memory_reduction;
  d.features = info.enabled;
  d.max_workgroup_invocations = info.max_workgroup_invocations;
  d.max_shared_memory_bytes = info.max_shared_memory_bytes;
  d.max_storage_buffer_range = info.max_storage_buffer_range;
  // Driver name / info strings come from the listing (VkPhysicalDeviceDriverProperties).
  std::string error;
  for (const auto& l : vknorm_support::HostDevice::list_devices(&error)) {
    if (l.properties.vendorID == props.vendorID && l.properties.deviceID == props.deviceID &&
        l.properties.driverVersion == props.driverVersion &&
        std::strcmp(l.properties.deviceName, props.deviceName) == 0) {
      d.driver_name = l.driver_name;
      d.driver_info = l.driver_info;
      if (d.driver_id == 0) d.driver_id = l.driver_id;
      break;
    }
  }
  d.driver_id_name = driver_id_name(d.driver_id);
  d.driver_version_string = driver_version_string(d.vendor_id, d.driver_id, d.driver_version);
  d.api_version_string = api_version_string(d.api_version);
  if (const char* w = std::getenv("LP_NATIVE_VECTOR_WIDTH")) d.lp_native_vector_width = w;
  d.validation = validation;
  d.validation_mode = validation ? device.validation_description() : "off";
  d.vknorm_version = vknorm::version_string();
  return d;
}

Json device_json(const DeviceReport& d) {
  Json j = Json::object();
  j["name"] = d.name;
  j["vendor_id"] = d.vendor_id;
  j["vendor"] = d.vendor_name;
  j["device_id"] = d.device_id;
  j["device_type"] = d.device_type;
  j["driver_id"] = d.driver_id;
  j["driver_id_name"] = d.driver_id_name;
  j["driver_name"] = d.driver_name;
  j["driver_info"] = d.driver_info;
  j["driver_version"] = d.driver_version;
  j["driver_version_string"] = d.driver_version_string;
  j["api_version"] = d.api_version;
  j["api_version_string"] = d.api_version_string;
  j["device_class"] = d.device_class;
  j["subgroup_size"] = d.subgroup_size;
  j["reported_subgroup_size"] = d.reported_subgroup_size;
  j["lanes_run"] = d.lanes_run;
  if (!d.lanes_probe_note.empty()) j["lanes_probe_note"] = d.lanes_probe_note;
  Json quirks = Json::array();
  for (const std::string& q : d.quirks) quirks.push_back(q);
  j["quirks"] = quirks;
  j["min_subgroup_size"] = d.min_subgroup_size;
  j["max_subgroup_size"] = d.max_subgroup_size;
  j["subgroup_arithmetic"] = d.subgroup_arithmetic;
  j["shared_memory_reduction"] = d.shared_memory_reduction;
  j["features"] = features_json(d.features);
  j["max_workgroup_invocations"] = d.max_workgroup_invocations;
  j["max_shared_memory_bytes"] = d.max_shared_memory_bytes;
  j["max_storage_buffer_range"] = d.max_storage_buffer_range;
  j["lp_native_vector_width"] = d.lp_native_vector_width.empty() ? Json() : Json(d.lp_native_vector_width);
  j["validation"] = d.validation;
  j["validation_mode"] = d.validation_mode;
  j["vknorm_version"] = d.vknorm_version;
  return j;
}

std::string device_one_line(const DeviceReport& d) {
  std::string s = d.name + " | " + d.driver_id_name;
  if (!d.driver_info.empty()) s += " (" + d.driver_info + ")";
  s += " | driver " + d.driver_version_string + " | Vulkan " + d.api_version_string +
       " | subgroup " + std::to_string(d.subgroup_size);
  if (d.reported_subgroup_size && d.reported_subgroup_size != d.subgroup_size)
    s += " (reported " + std::to_string(d.reported_subgroup_size) + ")";
  if (d.lanes_run) s += ", " + std::to_string(d.lanes_run) + " lanes ran";
  if (!d.quirks.empty()) s += " | " + std::to_string(d.quirks.size()) + " driver quirk(s)";
  if (d.shared_memory_reduction) s += " | shared-memory reduction";
  if (!d.lp_native_vector_width.empty()) s += " | LP_NATIVE_VECTOR_WIDTH=" + d.lp_native_vector_width;
  s += " | validation " + (d.validation_mode.empty() ? std::string(d.validation ? "on" : "off") : d.validation_mode);
  return s;
}

int list_devices(const std::string& json_path) {
  std::string error;
  const auto devices = vknorm_support::HostDevice::list_devices(&error);
  if (devices.empty()) {
    std::fprintf(stderr, "vknorm-check: no Vulkan device found%s%s\n", error.empty() ? "" : ": ",
                 error.c_str());
    return 2;
  }
  Json out = Json::object();
  out["schema"] = "vknorm-check-devices/1";
  out["vknorm_version"] = vknorm::version_string();
  Json& list = out["devices"];
  list = Json::array();
  for (const auto& l : devices) {
    const auto& p = l.properties;
    const vknorm::DeviceInfo& info = l.info;
    const auto& f = info.enabled;  // query_device_info: every feature the device supports
    std::printf("[%u] %s (%s)\n", l.index, l.name.c_str(), device_type_name(p.deviceType));
    std::printf("    vendor     0x%04x (%s), device 0x%04x\n", p.vendorID,
                vendor_name(p.vendorID).c_str(), p.deviceID);
    std::printf("    driver     %s (id %u) \"%s\" \"%s\", version %s (0x%08x)\n",
                driver_id_name(l.driver_id).c_str(), l.driver_id, l.driver_name.c_str(),
                l.driver_info.c_str(),
                driver_version_string(p.vendorID, l.driver_id, p.driverVersion).c_str(),
                p.driverVersion);
    std::printf("    api        Vulkan %s\n", api_version_string(p.apiVersion).c_str());
    std::printf("    subgroups  size %u (range %u..%u)%s, arithmetic in compute: %s\n",
                info.subgroup_size, info.min_subgroup_size, info.max_subgroup_size,
                info.reported_subgroup_size != info.subgroup_size
                    ? (" [the driver reports " + std::to_string(info.reported_subgroup_size) + "]").c_str()
                    : "",
                yes(info.subgroup_arithmetic));
    if (info.quirks.empty()) std::printf("    quirks     none known\n");
    for (const std::string& q : info.quirks) std::printf("    quirk      %s\n", q.c_str());
    std::printf("    supported  push_descriptor %s, buffer_device_address %s, "
                "storage_buffer_16bit %s, subgroup_size_control %s, pipeline_executable_info %s\n",
                yes(f.push_descriptor), yes(f.buffer_device_address), yes(f.storage_buffer_16bit),
                yes(f.subgroup_size_control), yes(f.pipeline_executable_info));
    std::printf("    limits     max storage buffer range %llu, shared memory %u bytes, "
                "workgroup invocations %u\n",
                static_cast<unsigned long long>(info.max_storage_buffer_range),
                info.max_shared_memory_bytes, p.limits.maxComputeWorkGroupInvocations);
    std::printf("    vknorm     f32: yes; f16/bf16: %s; VkBuffer tensors: %s; "
                "address tensors: %s; reduction: %s\n",
                f.storage_buffer_16bit ? "yes" : "no (needs 16-bit storage)",
                f.push_descriptor ? "yes (push descriptors)" : "yes (descriptor sets)",
                f.buffer_device_address ? "yes" : "no (needs bufferDeviceAddress)",
                info.subgroup_arithmetic ? "subgroup arithmetic" : "shared-memory fallback");
    Json j = Json::object();
    j["index"] = l.index;
    j["name"] = l.name;
    j["device_type"] = device_type_name(p.deviceType);
    j["vendor_id"] = p.vendorID;
    j["vendor"] = vendor_name(p.vendorID);
    j["device_id"] = p.deviceID;
    j["driver_id"] = l.driver_id;
    j["driver_id_name"] = driver_id_name(l.driver_id);
    j["driver_name"] = l.driver_name;
    j["driver_info"] = l.driver_info;
    j["driver_version"] = p.driverVersion;
    j["driver_version_string"] = driver_version_string(p.vendorID, l.driver_id, p.driverVersion);
    j["api_version"] = p.apiVersion;
    j["api_version_string"] = api_version_string(p.apiVersion);
    j["subgroup_size"] = info.subgroup_size;
    j["reported_subgroup_size"] = info.reported_subgroup_size;
    Json qj = Json::array();
    for (const std::string& q : info.quirks) qj.push_back(q);
    j["quirks"] = qj;
    j["min_subgroup_size"] = info.min_subgroup_size;
    j["max_subgroup_size"] = info.max_subgroup_size;
    j["subgroup_arithmetic"] = info.subgroup_arithmetic;
    j["features"] = features_json(f);
    j["max_storage_buffer_range"] = info.max_storage_buffer_range;
    j["max_shared_memory_bytes"] = info.max_shared_memory_bytes;
    Json& s = j["vknorm_support"];
    s["f32"] = true;
    s["f16"] = f.storage_buffer_16bit;
    s["bf16"] = f.storage_buffer_16bit;
    s["buffer_tensors"] = f.push_descriptor ? "push_descriptor" : "descriptor_set";
    s["address_tensors"] = f.buffer_device_address;
    s["reduction"] = info.subgroup_arithmetic ? "subgroup" : "shared_memory";
    list.push_back(j);
  }
  if (!json_path.empty() && !vknorm_support::write_text_file(json_path, out.dump())) {
    std::fprintf(stderr, "vknorm-check: cannot write %s\n", json_path.c_str());
    return 2;
  }
  return 0;
}

}  // namespace vknorm_check
