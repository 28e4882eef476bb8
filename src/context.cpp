// Context creation and destruction, device requirements, and what the context reports.
#include "context.h"

#include "embedded_spirv.h"

#include <cstring>

namespace vknorm {
using namespace detail;

namespace detail {
Error make_error(Status s, std::string message) {
  Error e;
  e.status = s;
  e.message = std::move(message);
  return e;
}
}  // namespace detail

DeviceRequirements query_device_requirements(VkInstance instance, VkPhysicalDevice physical_device,
                                             PFN_vkGetInstanceProcAddr gipa) {
  DeviceRequirements req;
  InstanceFunctions fns;
  if (!gipa || !fns.load(instance, gipa)) return req;
  const DeviceProfile p = read_device_profile(fns, physical_device);
  req.available = p.available;
  req.api_version = p.api_version;
  if (p.available.push_descriptor) req.extensions.push_back(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  if (p.available.buffer_device_address && p.api_version < VK_API_VERSION_1_2)
    req.extensions.push_back(VK_KHR_BUFFER_DEVICE_ADDRESS_EXTENSION_NAME);
  if (p.available.subgroup_size_control && p.api_version < VK_API_VERSION_1_3)
    req.extensions.push_back(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  if (p.available.pipeline_executable_info)
    req.extensions.push_back(VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
  return req;
}

void* DeviceFeatureChain::chain() {
  features2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  bda.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES;
  subgroup_size_control.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES;
  executable_properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR;
  features2.pNext = &storage16;
  storage16.pNext = &bda;
  bda.pNext = &subgroup_size_control;
  subgroup_size_control.pNext = &executable_properties;
  executable_properties.pNext = nullptr;
  return &features2;
}

void fill_device_feature_chain(const DeviceRequirements& req, DeviceFeatureChain* out) {
  *out = DeviceFeatureChain{};
  out->chain();
  out->storage16.storageBuffer16BitAccess = req.available.storage_buffer_16bit;
  out->bda.bufferDeviceAddress = req.available.buffer_device_address;
  out->subgroup_size_control.subgroupSizeControl = req.available.subgroup_size_control;
  out->executable_properties.pipelineExecutableInfo = req.available.pipeline_executable_info;
}

static Error create_scratch(Context* c, VkDeviceSize bytes) {
  const DeviceFunctions& f = c->dfn;
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = bytes;
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  if (c->info.enabled.buffer_device_address) bi.usage |= VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
  VkResult r = f.CreateBuffer(c->info.device, &bi, nullptr, &c->scratch_buffer);
  if (r != VK_SUCCESS) return make_error(Status::out_of_memory, "creating the context scratch buffer");
  VkMemoryRequirements mr{};
  f.GetBufferMemoryRequirements(c->info.device, c->scratch_buffer, &mr);
  VkPhysicalDeviceMemoryProperties mp{};
  c->ifn.GetPhysicalDeviceMemoryProperties(c->info.physical_device, &mp);
  uint32_t type = UINT32_MAX;
  for (int pass = 0; pass < 2 && type == UINT32_MAX; ++pass)
    for (uint32_t i = 0; i < mp.memoryTypeCount; ++i)
      if ((mr.memoryTypeBits & (1u << i)) &&
          (pass == 1 || (mp.memoryTypes[i].propertyFlags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT))) {
        type = i;
        break;
      }
  if (type == UINT32_MAX) return make_error(Status::out_of_memory, "no memory type for the context scratch");
  VkMemoryAllocateFlagsInfo flags{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_FLAGS_INFO};
  flags.flags = VK_MEMORY_ALLOCATE_DEVICE_ADDRESS_BIT;
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.pNext = c->info.enabled.buffer_device_address ? &flags : nullptr;
  ai.allocationSize = mr.size;
  ai.memoryTypeIndex = type;
  r = f.AllocateMemory(c->info.device, &ai, nullptr, &c->scratch_memory);
  if (r != VK_SUCCESS) return make_error(Status::out_of_memory, "allocating " + std::to_string(bytes) + " bytes of context scratch");
  r = f.BindBufferMemory(c->info.device, c->scratch_buffer, c->scratch_memory, 0);
  if (r != VK_SUCCESS) return make_error(Status::vulkan_error, "binding the context scratch memory");
  c->scratch_bytes = bytes;
  if (c->info.enabled.buffer_device_address) {
    VkBufferDeviceAddressInfo info{VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO};
    info.buffer = c->scratch_buffer;
    c->scratch_address = f.GetBufferDeviceAddress(c->info.device, &info);
  }
  return ok();
}

Error create_context(const ContextCreateInfo& info, Context** out) {
  if (!out) return make_error(Status::invalid_argument, "out_context is null");
  *out = nullptr;
  if (!info.instance || !info.physical_device || !info.device || !info.get_instance_proc_addr)
    return make_error(Status::invalid_argument,
                      "instance, physical_device, device and get_instance_proc_addr are required");
  auto* c = new Context;
  c->info = info;
  if (!c->ifn.load(info.instance, info.get_instance_proc_addr)) {
    delete c;
    return make_error(Status::vulkan_error, "the instance lacks Vulkan 1.1 entry points (vkGetPhysicalDeviceProperties2)");
  }
  c->profile = read_device_profile(c->ifn, info.physical_device);
  // Only what the device supports can have been enabled.
  EnabledFeatures& en = c->info.enabled;
  const EnabledFeatures& av = c->profile.available;
  en.push_descriptor &= av.push_descriptor;
  en.buffer_device_address &= av.buffer_device_address;
  en.storage_buffer_16bit &= av.storage_buffer_16bit;
  en.subgroup_size_control &= av.subgroup_size_control;
  en.pipeline_executable_info &= av.pipeline_executable_info;
  if (!c->dfn.load(info.device, c->ifn.GetDeviceProcAddr, en.push_descriptor, en.buffer_device_address)) {
    delete c;
    return make_error(Status::vulkan_error, "vkGetDeviceProcAddr did not return every function vknorm needs "
                                            "(are the extensions named in EnabledFeatures enabled?)");
  }
  if (!en.push_descriptor && !en.buffer_device_address) {
    delete c;
    return make_error(Status::unsupported, "vknorm needs VK_KHR_push_descriptor or bufferDeviceAddress enabled on the device");
  }
  c->shared_memory_reduction = info.force_shared_memory_reduction || !c->profile.subgroup_arithmetic;
  c->pipelines.init(info.device, &c->dfn, info.pipeline_cache, en.pipeline_executable_info);
  if (info.context_scratch_bytes) {
    Error e = create_scratch(c, info.context_scratch_bytes);
    if (e) {
      destroy_context(c);
      return e;
    }
  }
  if (info.tuning_cache_path && *info.tuning_cache_path) {
    std::string why;
    if (!c->tuning.load(info.tuning_cache_path, &why)) {
      destroy_context(c);
      return make_error(Status::invalid_argument, std::string("tuning cache ") + info.tuning_cache_path + ": " + why);
    }
  }
  DeviceInfo& d = c->device_info;
  const DeviceProfile& p = c->profile;
  d.name = p.name;
  d.device_class = p.device_class;
  d.vendor_id = p.vendor_id;
  d.device_id = p.device_id;
  d.driver_version = p.driver_version;
  d.api_version = p.api_version;
  d.driver_id = p.driver_id;
  std::memcpy(d.uuid, p.uuid, VK_UUID_SIZE);
  d.subgroup_size = p.subgroup_size;
  d.min_subgroup_size = p.min_subgroup_size;
  d.max_subgroup_size = p.max_subgroup_size;
  d.subgroup_arithmetic = p.subgroup_arithmetic;
  d.shared_memory_reduction = c->shared_memory_reduction;
  d.max_workgroup_invocations = p.max_workgroup_invocations;
  d.max_shared_memory_bytes = p.max_shared_memory_bytes;
  d.max_storage_buffer_range = p.max_storage_buffer_range;
  d.min_storage_buffer_offset_alignment = p.min_storage_buffer_offset_alignment;
  d.multiprocessor_count = p.multiprocessor_count;
  d.enabled = en;
  *out = c;
  return ok();
}

void destroy_context(Context* c) {
  if (!c) return;
  c->pipelines.destroy();
  if (c->scratch_buffer) c->dfn.DestroyBuffer(c->info.device, c->scratch_buffer, nullptr);
  if (c->scratch_memory) c->dfn.FreeMemory(c->info.device, c->scratch_memory, nullptr);
  delete c;
}

const DeviceInfo& device_info(const Context* c) { return c->device_info; }

bool DeviceInfo::supports(DType t) const {
  return t == DType::f32 || enabled.storage_buffer_16bit;
}

}  // namespace vknorm
