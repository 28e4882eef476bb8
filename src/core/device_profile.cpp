#include "device_profile.h"

#include "quirks.h"

#include "dispatch_table.h"

#include <cstring>
#include <string>
#include <vector>

namespace vknorm::detail {

static bool has_extension(const std::vector<VkExtensionProperties>& exts, const char* name) {
  for (const auto& e : exts)
    if (std::strcmp(e.extensionName, name) == 0) return true;
  return false;
}

DeviceClass classify_device(const DeviceProfile& p) {
  if (p.driver_id == VK_DRIVER_ID_MESA_LLVMPIPE ||
      (p.type == VK_PHYSICAL_DEVICE_TYPE_CPU && p.name.find("llvmpipe") != std::string::npos))
    return DeviceClass::lavapipe;
  if (p.vendor_id == 0x10DE) {
    // NVIDIA: tell generations apart by the multiprocessor count and the name, since device
    // ids are not a stable signal. Hopper: H100 / H200 / GH200 (114-144 SMs, "H100"/"H200").
    const std::string& n = p.name;
    if (n.find("H100") != std::string::npos || n.find("H200") != std::string::npos ||
        n.find("H800") != std::string::npos || n.find("H20") != std::string::npos)
      return DeviceClass::hopper;
    if (n.find("RTX 40") != std::string::npos || n.find("L40") != std::string::npos ||
        n.find("RTX 6000 Ada") != std::string::npos || n.find("L4") != std::string::npos)
      return DeviceClass::ada;
  }
  return DeviceClass::generic;
}

DeviceProfile read_device_profile(const InstanceFunctions& fns, VkPhysicalDevice pd) {
  DeviceProfile p;
  uint32_t count = 0;
  fns.EnumerateDeviceExtensionProperties(pd, nullptr, &count, nullptr);
  std::vector<VkExtensionProperties> exts(count);
  fns.EnumerateDeviceExtensionProperties(pd, nullptr, &count, exts.data());
  const bool has_sm_builtins = has_extension(exts, VK_NV_SHADER_SM_BUILTINS_EXTENSION_NAME);
  const bool has_amd_core = has_extension(exts, VK_AMD_SHADER_CORE_PROPERTIES_EXTENSION_NAME);
  const bool has_push = has_extension(exts, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);

  VkPhysicalDeviceProperties base{};
  fns.GetPhysicalDeviceProperties(pd, &base);

  VkPhysicalDeviceSubgroupProperties sg{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceSubgroupSizeControlProperties sgc{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_PROPERTIES};
  VkPhysicalDeviceDriverProperties drv{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
  VkPhysicalDevicePushDescriptorPropertiesKHR pushp{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PUSH_DESCRIPTOR_PROPERTIES_KHR};
  VkPhysicalDeviceShaderSMBuiltinsPropertiesNV smp{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV};
  VkPhysicalDeviceShaderCorePropertiesAMD amdp{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_PROPERTIES_AMD};
  VkPhysicalDeviceIDProperties idp{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_ID_PROPERTIES};
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props.pNext = &sg;
  sg.pNext = &idp;
  void** tail = &idp.pNext;
  const bool v12 = base.apiVersion >= VK_API_VERSION_1_2 ||
                   has_extension(exts, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME);
  if (v12) { *tail = &drv; tail = &drv.pNext; }
  const bool has_sgc = base.apiVersion >= VK_API_VERSION_1_3 ||
                       has_extension(exts, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  if (has_sgc) { *tail = &sgc; tail = &sgc.pNext; }
  if (has_push) { *tail = &pushp; tail = &pushp.pNext; }
  if (has_sm_builtins) { *tail = &smp; tail = &smp.pNext; }
  if (has_amd_core) { *tail = &amdp; tail = &amdp.pNext; }
  fns.GetPhysicalDeviceProperties2(pd, &props);

  VkPhysicalDevice16BitStorageFeatures s16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDeviceBufferDeviceAddressFeatures bda{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES};
  VkPhysicalDeviceSubgroupSizeControlFeatures sgcf{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES};
  VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR pef{
      VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR};
  VkPhysicalDevice8BitStorageFeatures s8{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES};
  VkPhysicalDeviceFeatures2 feats{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  feats.pNext = &s16;
  tail = &s16.pNext;
  const bool has_bda = base.apiVersion >= VK_API_VERSION_1_2 ||
                       has_extension(exts, VK_KHR_BUFFER_DEVICE_ADDRESS_EXTENSION_NAME);
  if (has_bda) { *tail = &bda; tail = &bda.pNext; }
  const bool has_s8 = base.apiVersion >= VK_API_VERSION_1_2 ||
                      has_extension(exts, VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
  if (has_s8) { *tail = &s8; tail = &s8.pNext; }
  if (has_sgc) { *tail = &sgcf; tail = &sgcf.pNext; }
  const bool has_pe = has_extension(exts, VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
  if (has_pe) { *tail = &pef; tail = &pef.pNext; }
  fns.GetPhysicalDeviceFeatures2(pd, &feats);

  p.name = base.deviceName;
  p.vendor_id = base.vendorID;
  p.device_id = base.deviceID;
  p.driver_version = base.driverVersion;
  p.api_version = base.apiVersion;
  p.type = base.deviceType;
  std::memcpy(p.uuid, idp.deviceUUID, VK_UUID_SIZE);
  p.driver_id = v12 ? static_cast<uint32_t>(drv.driverID) : 0;
  if (v12) p.driver_info = drv.driverInfo;
  p.subgroup_size = sg.subgroupSize;
  p.min_subgroup_size = has_sgc && sgc.minSubgroupSize ? sgc.minSubgroupSize : sg.subgroupSize;
  p.max_subgroup_size = has_sgc && sgc.maxSubgroupSize ? sgc.maxSubgroupSize : sg.subgroupSize;
  // The sg modules also shuffle (the row kernels' segment sums: shaders/segments.glsl).
  p.subgroup_arithmetic = (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                          (sg.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT) &&
                          (sg.supportedOperations & VK_SUBGROUP_FEATURE_SHUFFLE_BIT) &&
                          (sg.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT);
  // Rows laid on subgroups need the size the shader sees to be the one that runs, whole:
  // devices with one subgroup size (quirks.cpp withdraws it where the driver misreports).
  p.subgroup_rows = p.subgroup_arithmetic && p.min_subgroup_size == p.max_subgroup_size;
  const auto& lim = base.limits;
  p.max_workgroup_invocations = lim.maxComputeWorkGroupInvocations;
  p.max_workgroup_size_x = lim.maxComputeWorkGroupSize[0];
  for (int i = 0; i < 3; ++i) p.max_workgroup_count[i] = lim.maxComputeWorkGroupCount[i];
  p.max_shared_memory_bytes = lim.maxComputeSharedMemorySize;
  p.max_storage_buffer_range = lim.maxStorageBufferRange;
  p.min_storage_buffer_offset_alignment = static_cast<uint32_t>(lim.minStorageBufferOffsetAlignment);
  p.max_push_constants_size = lim.maxPushConstantsSize;
  p.max_push_descriptors = has_push ? pushp.maxPushDescriptors : 0;
  if (has_sm_builtins) p.multiprocessor_count = smp.shaderSMCount;
  else if (has_amd_core) p.multiprocessor_count = amdp.computeUnitsPerShaderArray *
                                                  amdp.shaderArraysPerEngineCount * amdp.shaderEngineCount;
  p.supported.push_descriptor = has_push;
  p.supported.buffer_device_address = has_bda && bda.bufferDeviceAddress;
  p.supported.storage_buffer_16bit = s16.storageBuffer16BitAccess;
  p.supported.storage_buffer_8bit = has_s8 && s8.storageBuffer8BitAccess;
  p.supported.subgroup_size_control = has_sgc && sgcf.subgroupSizeControl;
  p.supported.pipeline_executable_info = has_pe && pef.pipelineExecutableInfo;
  p.device_class = classify_device(p);
  apply_quirks(&p);
  return p;
}

}  // namespace vknorm::detail
