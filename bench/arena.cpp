#include "arena.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace vknorm_bench {

using vknorm_support::Buffer;

const char* slot_name(Slot s) {
  static const char* names[] = {"x",    "y",    "dy",      "dx",    "weight",   "bias",         "mean",
                                "rstd", "dweight", "dbias", "scratch", "residual", "residual_out", "y_scale",
                                "running_mean", "running_var", "add_bias", "scale", "shift", "gate", "z",
                                "k_weight", "positions", "cos_sin_cache"};
  return names[static_cast<size_t>(s)];
}

Arena::Arena(vknorm_support::HostDevice& dev) : dev_(dev) {
  get_address_ = reinterpret_cast<PFN_vkGetBufferDeviceAddress>(
      vkGetDeviceProcAddr(dev.device(), "vkGetBufferDeviceAddress"));
  if (!get_address_)
    get_address_ = reinterpret_cast<PFN_vkGetBufferDeviceAddress>(
        vkGetDeviceProcAddr(dev.device(), "vkGetBufferDeviceAddressKHR"));
}

Arena::~Arena() {
  for (Buffer& b : blocks_)
    if (b.buffer != VK_NULL_HANDLE) dev_.destroy_buffer(b);
}

bool Arena::reserve(Slot s, uint64_t bytes, std::string* error) {
  const size_t i = static_cast<size_t>(s);
  bytes = std::max<uint64_t>(bytes, 4);
  if (blocks_[i].size >= bytes) return true;
  if (live_[i] > 0) {
    *error = std::string("arena slot ") + slot_name(s) + " is in use and too small";
    return false;
  }
  if (blocks_[i].buffer != VK_NULL_HANDLE) {
    dev_.destroy_buffer(blocks_[i]);
    ++reallocations_;
  }
  content_[i] = Content{};
  const uint64_t rounded = (bytes + (2ull << 20) - 1) / (2ull << 20) * (2ull << 20);
  std::string e;
  blocks_[i] = dev_.create_buffer(rounded, false, &e);
  if (blocks_[i].buffer == VK_NULL_HANDLE && rounded != bytes)
    blocks_[i] = dev_.create_buffer(bytes, false, &e);  // the rounding may be what does not fit
  if (blocks_[i].buffer == VK_NULL_HANDLE) {
    *error = e;
    return false;
  }
  return true;
}

bool Arena::view(Slot s, uint64_t bytes, Buffer* out, std::string* error) {
  *out = Buffer{};
  if (!reserve(s, bytes, error)) return false;
  const Buffer& blk = blocks_[static_cast<size_t>(s)];
  VkBufferCreateInfo bci{};
  bci.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO;
  bci.size = std::max<uint64_t>(bytes, 4);
  // The same usage as HostDevice::create_buffer, so that the memory requirements (type bits,
  // alignment) are those of the block.
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
              VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  if (blk.address) bci.usage |= VK_BUFFER_USAGE_SHADER_DEVICE_ADDRESS_BIT;
  bci.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buf = VK_NULL_HANDLE;
  VkResult r = vkCreateBuffer(dev_.device(), &bci, nullptr, &buf);
  if (r != VK_SUCCESS) {
    *error = "vkCreateBuffer failed (" + std::to_string(r) + ")";
    return false;
  }
  VkMemoryRequirements mr{};
  vkGetBufferMemoryRequirements(dev_.device(), buf, &mr);
  if (mr.size > blk.size) {  // cannot happen with the same usage; refuse rather than overrun
    vkDestroyBuffer(dev_.device(), buf, nullptr);
    *error = "arena block too small for the buffer's memory requirements";
    return false;
  }
  r = vkBindBufferMemory(dev_.device(), buf, blk.memory, 0);
  if (r != VK_SUCCESS) {
    vkDestroyBuffer(dev_.device(), buf, nullptr);
    *error = "vkBindBufferMemory failed (" + std::to_string(r) + ")";
    return false;
  }
  out->buffer = buf;
  out->memory = VK_NULL_HANDLE;  // not owned
  out->size = bci.size;
  out->mapped = blk.mapped;
  out->device_local = blk.device_local;
  if (blk.address && get_address_) {
    VkBufferDeviceAddressInfo ai{};
    ai.sType = VK_STRUCTURE_TYPE_BUFFER_DEVICE_ADDRESS_INFO;
    ai.buffer = buf;
    out->address = get_address_(dev_.device(), &ai);
  }
  ++live_[static_cast<size_t>(s)];
  // Remember the slot in an otherwise unused field: release() needs it.
  slots_of_.push_back({buf, s});
  return true;
}

void Arena::release(Buffer& b) {
  if (b.buffer == VK_NULL_HANDLE) return;
  for (size_t i = 0; i < slots_of_.size(); ++i) {
    if (slots_of_[i].first == b.buffer) {
      --live_[static_cast<size_t>(slots_of_[i].second)];
      slots_of_.erase(slots_of_.begin() + static_cast<long>(i));
      break;
    }
  }
  vkDestroyBuffer(dev_.device(), b.buffer, nullptr);
  b = Buffer{};
}

bool Arena::device_local() const {
  for (const Buffer& b : blocks_)
    if (b.buffer != VK_NULL_HANDLE && !b.device_local) return false;
  return true;
}

uint64_t Arena::total_bytes() const {
  uint64_t n = 0;
  for (const Buffer& b : blocks_) n += b.size;
  return n;
}

void device_local_usage(vknorm_support::HostDevice& dev, uint64_t* usage, uint64_t* budget) {
  *usage = *budget = 0;
  uint32_t n = 0;
  vkEnumerateDeviceExtensionProperties(dev.physical_device(), nullptr, &n, nullptr);
  std::vector<VkExtensionProperties> ext(n);
  vkEnumerateDeviceExtensionProperties(dev.physical_device(), nullptr, &n, ext.data());
  bool have = false;
  for (const auto& e : ext) have |= std::strcmp(e.extensionName, VK_EXT_MEMORY_BUDGET_EXTENSION_NAME) == 0;
  if (!have) return;
  // A physical-device query: the extension need only be supported, not enabled.
  VkPhysicalDeviceMemoryBudgetPropertiesEXT mb{};
  mb.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_BUDGET_PROPERTIES_EXT;
  VkPhysicalDeviceMemoryProperties2 mp{};
  mp.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MEMORY_PROPERTIES_2;
  mp.pNext = &mb;
  vkGetPhysicalDeviceMemoryProperties2(dev.physical_device(), &mp);
  uint64_t best = 0;
  for (uint32_t i = 0; i < mp.memoryProperties.memoryHeapCount; ++i) {
    const VkMemoryHeap& h = mp.memoryProperties.memoryHeaps[i];
    if ((h.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) && h.size > best) {
      best = h.size;
      *usage = mb.heapUsage[i];
      *budget = mb.heapBudget[i];
    }
  }
}

}  // namespace vknorm_bench
