// Context creation and destruction, device requirements, and what the context reports.
#include "context.h"

#include "device_info_query.h"

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

EnabledFeatures DeviceRequirements::features_to_enable() const {
  EnabledFeatures f = supported;
  f.subgroup_size_control = false;     // tuning only
  f.pipeline_executable_info = false;  // profiling only
  return f;
}

Error query_device_requirements(VkInstance instance, VkPhysicalDevice physical_device,
                                PFN_vkGetInstanceProcAddr gipa, DeviceRequirements* out) {
  if (!out) return make_error(Status::invalid_argument, "query_device_requirements: out is null");
  *out = DeviceRequirements{};
  if (!gipa) return make_error(Status::invalid_argument, "query_device_requirements: get_instance_proc_addr is null");
  if (!instance || !physical_device)
    return make_error(Status::invalid_argument, "query_device_requirements: instance and physical_device are required");
  InstanceFunctions fns;
  if (!fns.load(instance, gipa))
    return make_error(Status::vulkan_error,
                      "query_device_requirements: get_instance_proc_addr did not return the Vulkan 1.1 "
                      "instance entry points vknorm needs (vkGetPhysicalDeviceProperties2, ...)");
  const DeviceProfile p = read_device_profile(fns, physical_device);
  DeviceRequirements& req = *out;
  req.supported = p.supported;
  req.api_version = p.api_version;
  if (p.supported.push_descriptor) req.extensions.push_back(VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME);
  if (p.supported.buffer_device_address && p.api_version < VK_API_VERSION_1_2)
    req.extensions.push_back(VK_KHR_BUFFER_DEVICE_ADDRESS_EXTENSION_NAME);
  if (p.supported.storage_buffer_8bit && p.api_version < VK_API_VERSION_1_2)
    req.extensions.push_back(VK_KHR_8BIT_STORAGE_EXTENSION_NAME);
  if (p.supported.subgroup_size_control && p.api_version < VK_API_VERSION_1_3)
    req.optional_extensions.push_back(VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME);
  if (p.supported.pipeline_executable_info)
    req.optional_extensions.push_back(VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME);
  return ok();
}

namespace {

void set_types(DeviceFeatureChain* c) {
  c->features2.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2;
  c->storage16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES;
  c->bda.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES;
  c->storage8.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES;
  c->subgroup_size_control.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES;
  c->executable_properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR;
}

bool has_name(const VkDeviceCreateInfo* ci, const char* name) {
  for (uint32_t i = 0; i < ci->enabledExtensionCount; ++i)
    if (ci->ppEnabledExtensionNames && ci->ppEnabledExtensionNames[i] &&
        std::strcmp(ci->ppEnabledExtensionNames[i], name) == 0)
      return true;
  return false;
}

}  // namespace

void* DeviceFeatureChain::chain() {
  set_types(this);
  void** tail = &features2.pNext;
  auto link = [&tail](auto* s, bool used) {
    if (!used) return;
    *tail = s;
    tail = &s->pNext;
  };
  link(&storage16, storage16.storageBuffer16BitAccess || storage16.uniformAndStorageBuffer16BitAccess ||
                       storage16.storagePushConstant16 || storage16.storageInputOutput16);
  link(&bda, bda.bufferDeviceAddress || bda.bufferDeviceAddressCaptureReplay || bda.bufferDeviceAddressMultiDevice);
  link(&storage8, storage8.storageBuffer8BitAccess || storage8.uniformAndStorageBuffer8BitAccess ||
                      storage8.storagePushConstant8);
  link(&subgroup_size_control, subgroup_size_control.subgroupSizeControl || subgroup_size_control.computeFullSubgroups);
  link(&executable_properties, executable_properties.pipelineExecutableInfo);
  *tail = nullptr;
  return &features2;
}

void fill_device_feature_chain(const EnabledFeatures& f, DeviceFeatureChain* out) {
  if (!out) return;
  *out = DeviceFeatureChain{};
  out->storage16.storageBuffer16BitAccess = f.storage_buffer_16bit;
  out->bda.bufferDeviceAddress = f.buffer_device_address;
  out->storage8.storageBuffer8BitAccess = f.storage_buffer_8bit;
  out->subgroup_size_control.subgroupSizeControl = f.subgroup_size_control;
  out->executable_properties.pipelineExecutableInfo = f.pipeline_executable_info;
  out->chain();
}

Error add_device_features(const EnabledFeatures& f, uint32_t api, VkDeviceCreateInfo* ci,
                          DeviceFeatureChain* storage) {
  if (!ci || !storage) return make_error(Status::invalid_argument, "add_device_features: create_info and storage are required");
  // Extensions first, so that nothing is changed on error.
  struct Need {
    bool wanted;
    const char* extension;
    const char* feature;
  };
  const Need needs[] = {
      {f.push_descriptor, VK_KHR_PUSH_DESCRIPTOR_EXTENSION_NAME, "push_descriptor"},
      {f.buffer_device_address && api < VK_API_VERSION_1_2, VK_KHR_BUFFER_DEVICE_ADDRESS_EXTENSION_NAME,
       "buffer_device_address (below Vulkan 1.2)"},
      {f.storage_buffer_8bit && api < VK_API_VERSION_1_2, VK_KHR_8BIT_STORAGE_EXTENSION_NAME,
       "storage_buffer_8bit (below Vulkan 1.2)"},
      {f.subgroup_size_control && api < VK_API_VERSION_1_3, VK_EXT_SUBGROUP_SIZE_CONTROL_EXTENSION_NAME,
       "subgroup_size_control (below Vulkan 1.3)"},
      {f.pipeline_executable_info, VK_KHR_PIPELINE_EXECUTABLE_PROPERTIES_EXTENSION_NAME, "pipeline_executable_info"},
  };
  for (const Need& n : needs)
    if (n.wanted && !has_name(ci, n.extension))
      return make_error(Status::invalid_argument, std::string("add_device_features: ") + n.feature + " needs " +
                                                      n.extension + " in VkDeviceCreateInfo::ppEnabledExtensionNames");
  // Which structures the chain already has; set the bits in every carrier.
  bool v11 = false, v12 = false, v13 = false, s16 = false, s8 = false, bda = false, sgc = false, pe = false;
  for (auto* s = static_cast<VkBaseOutStructure*>(const_cast<void*>(ci->pNext)); s; s = s->pNext) {
    switch (s->sType) {
      case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES:
        v11 = true;
        if (f.storage_buffer_16bit) reinterpret_cast<VkPhysicalDeviceVulkan11Features*>(s)->storageBuffer16BitAccess = VK_TRUE;
        break;
      case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES:
        v12 = true;
        if (f.buffer_device_address) reinterpret_cast<VkPhysicalDeviceVulkan12Features*>(s)->bufferDeviceAddress = VK_TRUE;
        if (f.storage_buffer_8bit) reinterpret_cast<VkPhysicalDeviceVulkan12Features*>(s)->storageBuffer8BitAccess = VK_TRUE;
        break;
      case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_3_FEATURES:
        v13 = true;
        if (f.subgroup_size_control) reinterpret_cast<VkPhysicalDeviceVulkan13Features*>(s)->subgroupSizeControl = VK_TRUE;
        break;
      case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES:
        s16 = true;
        if (f.storage_buffer_16bit) reinterpret_cast<VkPhysicalDevice16BitStorageFeatures*>(s)->storageBuffer16BitAccess = VK_TRUE;
        break;
      case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES:
        s8 = true;
        if (f.storage_buffer_8bit) reinterpret_cast<VkPhysicalDevice8BitStorageFeatures*>(s)->storageBuffer8BitAccess = VK_TRUE;
        break;
      case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_BUFFER_DEVICE_ADDRESS_FEATURES:
        bda = true;
        if (f.buffer_device_address) reinterpret_cast<VkPhysicalDeviceBufferDeviceAddressFeatures*>(s)->bufferDeviceAddress = VK_TRUE;
        break;
      case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_SIZE_CONTROL_FEATURES:
        sgc = true;
        if (f.subgroup_size_control) reinterpret_cast<VkPhysicalDeviceSubgroupSizeControlFeatures*>(s)->subgroupSizeControl = VK_TRUE;
        break;
      case VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR:
        pe = true;
        if (f.pipeline_executable_info)
          reinterpret_cast<VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR*>(s)->pipelineExecutableInfo = VK_TRUE;
        break;
      default:
        break;
    }
  }
  // Prepend what no structure carries (the individual structures are valid at any version
  // that has the feature, as long as no VulkanXYFeatures structure is present).
  set_types(storage);
  auto prepend = [ci](auto* s) {
    s->pNext = const_cast<void*>(ci->pNext);
    ci->pNext = s;
  };
  if (f.storage_buffer_16bit && !v11 && !s16) {
    storage->storage16.storageBuffer16BitAccess = VK_TRUE;
    prepend(&storage->storage16);
  }
  if (f.buffer_device_address && !v12 && !bda) {
    storage->bda.bufferDeviceAddress = VK_TRUE;
    prepend(&storage->bda);
  }
  if (f.storage_buffer_8bit && !v12 && !s8) {
    storage->storage8.storageBuffer8BitAccess = VK_TRUE;
    prepend(&storage->storage8);
  }
  if (f.subgroup_size_control && !v13 && !sgc) {
    storage->subgroup_size_control.subgroupSizeControl = VK_TRUE;
    prepend(&storage->subgroup_size_control);
  }
  if (f.pipeline_executable_info && !pe) {
    storage->executable_properties.pipelineExecutableInfo = VK_TRUE;
    prepend(&storage->executable_properties);
  }
  return ok();
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

// Whether the library embeds the .v<lanes> modules (built with VKNORM_VIRTUAL_SUBGROUPS).
static bool has_virtual_subgroup_modules(uint32_t lanes) {
  const std::string suffix = ".v" + std::to_string(lanes);
  size_t n = 0;
  const EmbeddedSpirv* t = embedded_spirv_table(&n);
  for (size_t i = 0; i < n; ++i) {
    const std::string name = t[i].name;
    if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) return true;
  }
  return false;
}

Error create_context(const ContextCreateInfo& info, Context** out) {
  if (!out) return make_error(Status::invalid_argument, "out_context is null");
  *out = nullptr;
  if (!info.get_instance_proc_addr)
    return make_error(Status::invalid_argument, "ContextCreateInfo::get_instance_proc_addr is null");
  if (!info.instance || !info.physical_device || !info.device)
    return make_error(Status::invalid_argument, "instance, physical_device and device are required");
  auto* c = new Context;
  c->info = info;
  auto fail = [c](Status st, std::string msg) {
    delete c;
    return make_error(st, std::move(msg));
  };
  if (!c->ifn.load(info.instance, info.get_instance_proc_addr))
    return fail(Status::vulkan_error, "the instance lacks Vulkan 1.1 entry points (vkGetPhysicalDeviceProperties2)");
  c->profile = read_device_profile(c->ifn, info.physical_device);
  if (info.limits)
    if (Error e = apply_device_limits(*info.limits, &c->profile)) return fail(e.status, e.message);
  c->info.limits = nullptr;  // read here only: the caller's struct need not outlive the call
  if (const uint32_t v = info.virtual_subgroup_size) {
    if (v != 64 && v != 128)
      return fail(Status::invalid_argument, "ContextCreateInfo::virtual_subgroup_size must be 0, 64 or 128, not " + std::to_string(v));
    if (!has_virtual_subgroup_modules(v))
      return fail(Status::unsupported, "virtual subgroups need a library built with -DVKNORM_VIRTUAL_SUBGROUPS=ON");
    if (info.force_shared_memory_reduction)
      return fail(Status::invalid_argument, "virtual_subgroup_size and force_shared_memory_reduction exclude each other");
    // A device of v lanes that reports them: subgroup operations (emulated) and row segments.
    DeviceProfile& p = c->profile;
    p.virtual_subgroup_size = v;
    p.subgroup_size = p.min_subgroup_size = p.max_subgroup_size = p.reported_subgroup_size = v;
    p.subgroup_arithmetic = true;
    p.subgroup_rows = true;
  }
  // Verify the claims instead of trusting (or silently masking) them: first against what the
  // physical device supports, then, for extension-backed features, against the entry points
  // the VkDevice exposes (vkGetDeviceProcAddr returns null for commands of extensions that
  // were not enabled). Feature bits cannot be read back from a VkDevice: those are trusted.
  const EnabledFeatures& en = c->info.enabled;
  const EnabledFeatures& av = c->profile.supported;
  struct Claim {
    bool claimed, supported;
    const char* name;
  };
  const Claim claims[] = {
      {en.push_descriptor, av.push_descriptor, "push_descriptor (VK_KHR_push_descriptor)"},
      {en.buffer_device_address, av.buffer_device_address, "buffer_device_address (bufferDeviceAddress)"},
      {en.storage_buffer_16bit, av.storage_buffer_16bit, "storage_buffer_16bit (storageBuffer16BitAccess)"},
      {en.storage_buffer_8bit, av.storage_buffer_8bit, "storage_buffer_8bit (storageBuffer8BitAccess)"},
      {en.subgroup_size_control, av.subgroup_size_control, "subgroup_size_control (subgroupSizeControl)"},
      {en.pipeline_executable_info, av.pipeline_executable_info,
       "pipeline_executable_info (VK_KHR_pipeline_executable_properties)"},
  };
  for (const Claim& cl : claims)
    if (cl.claimed && !cl.supported)
      return fail(Status::invalid_argument, std::string("ContextCreateInfo::enabled.") + cl.name +
                                                " is claimed, but " + c->profile.name + " does not support it");
  const PFN_vkGetDeviceProcAddr gdpa = c->ifn.GetDeviceProcAddr;
  auto has = [&](const char* fn) { return gdpa(info.device, fn) != nullptr; };
  if (en.push_descriptor && !has("vkCmdPushDescriptorSetKHR"))
    return fail(Status::invalid_argument,
                "ContextCreateInfo::enabled.push_descriptor is claimed, but vkGetDeviceProcAddr(device, "
                "\"vkCmdPushDescriptorSetKHR\") returned null: VK_KHR_push_descriptor was not enabled on the VkDevice");
  if (en.buffer_device_address && !has("vkGetBufferDeviceAddress") && !has("vkGetBufferDeviceAddressKHR"))
    return fail(Status::invalid_argument,
                "ContextCreateInfo::enabled.buffer_device_address is claimed, but the VkDevice has neither "
                "vkGetBufferDeviceAddress nor vkGetBufferDeviceAddressKHR: it was created below Vulkan 1.2 "
                "without VK_KHR_buffer_device_address enabled");
  if (en.pipeline_executable_info && !has("vkGetPipelineExecutablePropertiesKHR"))
    return fail(Status::invalid_argument,
                "ContextCreateInfo::enabled.pipeline_executable_info is claimed, but vkGetDeviceProcAddr(device, "
                "\"vkGetPipelineExecutablePropertiesKHR\") returned null: VK_KHR_pipeline_executable_properties "
                "was not enabled on the VkDevice");
  if (!c->dfn.load(info.device, gdpa, en.push_descriptor, en.buffer_device_address))
    return fail(Status::vulkan_error, "vkGetDeviceProcAddr did not return every core function vknorm needs");
  if (!en.push_descriptor && !en.buffer_device_address)
    return fail(Status::unsupported, "vknorm needs VK_KHR_push_descriptor or bufferDeviceAddress enabled on the device");
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
  fill_device_info(c->profile, en, c->shared_memory_reduction, &c->device_info);
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

size_t pipeline_count(const Context* c) { return c ? c->pipelines.size() : 0; }

bool DeviceInfo::supports(DType t) const {
  switch (t) {
    case DType::f32:
    case DType::i32: return true;
    case DType::f16:
    case DType::bf16: return enabled.storage_buffer_16bit;
    case DType::i8:
    case DType::f8_e4m3:
    case DType::f8_e5m2: return enabled.storage_buffer_8bit;
  }
  return false;
}

}  // namespace vknorm
