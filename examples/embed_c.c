/* A C program embedding vknorm through the C API only (vknorm/vknorm_c.h): it owns the instance,
 * device, memory, command buffer and submission; vknorm records an RMSNorm and a LayerNorm
 * (weight, bias, mean, rstd). Checks the results in double and checks that a bad call is refused
 * with a message and records nothing. Built as C11 (and C99-clean) and run by CI.
 *   ./embed_c        (uses the first Vulkan device) */
#include <vknorm/vknorm_c.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#define CHECK_VK(x)                                             \
  do {                                                          \
    VkResult r_ = (x);                                          \
    if (r_ != VK_SUCCESS) {                                     \
      fprintf(stderr, "%s failed: %d\n", #x, (int)r_);          \
      return 1;                                                 \
    }                                                           \
  } while (0)

#define CHECK_VKNORM(x)                                                                   \
  do {                                                                                    \
    vknorm_status s_ = (x);                                                               \
    if (s_ != VKNORM_STATUS_OK) {                                                         \
      fprintf(stderr, "%s: %s: %s\n", #x, vknorm_status_name(s_), vknorm_last_error_message()); \
      return 1;                                                                           \
    }                                                                                     \
  } while (0)

/* Tensor shapes: RMSNorm over C of (N, C, H, W); LayerNorm over the last dim D of (R, D). */
enum { N = 2, C = 8, H = 3, W = 5, RMS_COUNT = N * C * H * W, R = 6, D = 40, LN_COUNT = R * D };

/* Float offsets of each tensor in the one host-visible buffer. */
enum {
  OFF_X = 0,
  OFF_Y = OFF_X + RMS_COUNT,
  OFF_LX = OFF_Y + RMS_COUNT,
  OFF_LY = OFF_LX + LN_COUNT,
  OFF_LW = OFF_LY + LN_COUNT,
  OFF_LB = OFF_LW + D,
  OFF_MEAN = OFF_LB + D,
  OFF_RSTD = OFF_MEAN + R,
  OFF_GUARD = OFF_RSTD + R, /* written by nothing: the refused call's output */
  FLOATS = OFF_GUARD + RMS_COUNT
};

static vknorm_tensor view(VkBuffer buffer, int offset_floats, int count, int32_t rank, const int64_t* shape) {
  return vknorm_tensor_contiguous(buffer, (VkDeviceSize)offset_floats * sizeof(float),
                                  (VkDeviceSize)count * sizeof(float), VKNORM_DTYPE_F32, rank, shape);
}

static double rms_error(const float* data) {
  double worst = 0;
  int b, s, c;
  for (b = 0; b < N; ++b)
    for (s = 0; s < H * W; ++s) {
      double ss = 0, r;
      for (c = 0; c < C; ++c) {
        const double v = data[OFF_X + (b * C + c) * H * W + s];
        ss += v * v;
      }
      r = 1.0 / sqrt(ss / C + 1e-5);
      for (c = 0; c < C; ++c) {
        const int i = (b * C + c) * H * W + s;
        worst = fmax(worst, fabs(data[OFF_Y + i] - data[OFF_X + i] * r));
      }
    }
  return worst;
}

static double layer_norm_error(const float* data) {
  double worst = 0;
  int r, j;
  for (r = 0; r < R; ++r) {
    const float* x = data + OFF_LX + r * D;
    double mean = 0, var = 0, rstd;
    for (j = 0; j < D; ++j) mean += x[j];
    mean /= D;
    for (j = 0; j < D; ++j) var += (x[j] - mean) * (x[j] - mean);
    var /= D;
    rstd = 1.0 / sqrt(var + 1e-5);
    worst = fmax(worst, fabs(data[OFF_MEAN + r] - mean));
    worst = fmax(worst, fabs(data[OFF_RSTD + r] - rstd) / rstd);
    for (j = 0; j < D; ++j) {
      const double want = (x[j] - mean) * rstd * data[OFF_LW + j] + data[OFF_LB + j];
      worst = fmax(worst, fabs(data[OFF_LY + r * D + j] - want));
    }
  }
  return worst;
}

int main(void) {
  VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO};
  VkInstanceCreateInfo ici = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  VkInstance instance;
  VkPhysicalDevice phys;
  uint32_t n = 1, type = 0;
  vknorm_device_requirements req;
  vknorm_device_feature_chain features;
  float priority = 1.0f;
  VkDeviceQueueCreateInfo qci = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  VkDeviceCreateInfo dci = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  VkDevice device;
  VkQueue queue;
  vknorm_context_create_info ci;
  vknorm_context ctx = NULL;
  vknorm_device_info info;
  VkBufferCreateInfo bci = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  VkBuffer buffer;
  VkMemoryRequirements mr;
  VkPhysicalDeviceMemoryProperties mp;
  const VkMemoryPropertyFlags want = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  VkMemoryAllocateInfo mai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  VkDeviceMemory memory;
  float* data;
  void* mapped;
  VkCommandPoolCreateInfo pci = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  VkCommandPool pool;
  VkCommandBufferAllocateInfo cai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  VkCommandBuffer cmd;
  VkCommandBufferBeginInfo begin = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER};
  VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO};
  const int64_t rms_shape[4] = {N, C, H, W}, ln_shape[2] = {R, D}, row_shape[1] = {R}, norm_shape[1] = {D};
  vknorm_rms_norm_args rms, bad;
  vknorm_layer_norm_args ln;
  vknorm_status bad_status;
  char bad_message[256];
  double rms_err, ln_err;
  int i, guard_intact = 1, failed;

  /* --- the engine's side: instance, device, queue --- */
  app.apiVersion = VK_API_VERSION_1_2;
  ici.pApplicationInfo = &app;
  CHECK_VK(vkCreateInstance(&ici, NULL, &instance));
  if (vkEnumeratePhysicalDevices(instance, &n, &phys) < 0 || n == 0) return 1;

  /* Ask vknorm what it can use and enable it on the device. */
  CHECK_VKNORM(vknorm_query_device_requirements(instance, phys, vkGetInstanceProcAddr, &req));
  CHECK_VKNORM(vknorm_fill_device_feature_chain(&req.features_to_enable, &features));
  qci.queueFamilyIndex = 0; /* family 0 supports compute on the devices this example targets */
  qci.queueCount = 1;
  qci.pQueuePriorities = &priority;
  dci.pNext = &features.features2;
  dci.queueCreateInfoCount = 1;
  dci.pQueueCreateInfos = &qci;
  dci.enabledExtensionCount = req.extension_count;
  dci.ppEnabledExtensionNames = req.extensions;
  CHECK_VK(vkCreateDevice(phys, &dci, NULL, &device));
  vkGetDeviceQueue(device, 0, 0, &queue);

  /* --- vknorm: a context borrowing the engine's objects --- */
  vknorm_context_create_info_init(&ci);
  ci.instance = instance;
  ci.physical_device = phys;
  ci.device = device;
  ci.get_instance_proc_addr = vkGetInstanceProcAddr;
  ci.enabled = req.features_to_enable;
  CHECK_VKNORM(vknorm_create_context(&ci, &ctx));
  CHECK_VKNORM(vknorm_get_device_info(ctx, &info));

  /* --- one host-visible buffer holding every tensor --- */
  bci.size = FLOATS * sizeof(float);
  bci.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT;
  CHECK_VK(vkCreateBuffer(device, &bci, NULL, &buffer));
  vkGetBufferMemoryRequirements(device, buffer, &mr);
  vkGetPhysicalDeviceMemoryProperties(phys, &mp);
  while (type < mp.memoryTypeCount &&
         !(((mr.memoryTypeBits >> type) & 1) && (mp.memoryTypes[type].propertyFlags & want) == want))
    ++type;
  mai.allocationSize = mr.size;
  mai.memoryTypeIndex = type;
  CHECK_VK(vkAllocateMemory(device, &mai, NULL, &memory));
  CHECK_VK(vkBindBufferMemory(device, buffer, memory, 0));
  CHECK_VK(vkMapMemory(device, memory, 0, VK_WHOLE_SIZE, 0, &mapped));
  data = (float*)mapped;
  for (i = 0; i < FLOATS; ++i) data[i] = -7.0f; /* outputs start as garbage */
  for (i = 0; i < RMS_COUNT; ++i) data[OFF_X + i] = sinf(0.1f * (float)i) + 0.5f;
  for (i = 0; i < LN_COUNT; ++i) data[OFF_LX + i] = cosf(0.37f * (float)i) * 2.0f + 0.25f * (float)(i / D);
  for (i = 0; i < D; ++i) {
    data[OFF_LW + i] = 0.5f + 0.01f * (float)i;
    data[OFF_LB + i] = 0.1f * (float)(i % 5) - 0.2f;
  }

  /* --- the operators' arguments --- */
  vknorm_rms_norm_args_init(&rms);
  rms.x = view(buffer, OFF_X, RMS_COUNT, 4, rms_shape);
  rms.y = view(buffer, OFF_Y, RMS_COUNT, 4, rms_shape);
  vknorm_layer_norm_args_init(&ln);
  ln.x = view(buffer, OFF_LX, LN_COUNT, 2, ln_shape);
  ln.y = view(buffer, OFF_LY, LN_COUNT, 2, ln_shape);
  ln.weight = view(buffer, OFF_LW, D, 1, norm_shape);
  ln.bias = view(buffer, OFF_LB, D, 1, norm_shape);
  ln.mean = view(buffer, OFF_MEAN, R, 1, row_shape);
  ln.rstd = view(buffer, OFF_RSTD, R, 1, row_shape);
  /* A bad call: y's shape differs from x's (its output would be the guard region). */
  bad = rms;
  bad.y = view(buffer, OFF_GUARD, RMS_COUNT, 2, ln_shape);

  /* --- record: vknorm appends its dispatches; the engine owns everything else --- */
  CHECK_VK(vkCreateCommandPool(device, &pci, NULL, &pool));
  cai.commandPool = pool;
  cai.commandBufferCount = 1;
  CHECK_VK(vkAllocateCommandBuffers(device, &cai, &cmd));
  CHECK_VK(vkBeginCommandBuffer(cmd, &begin));
  bad_status = vknorm_record_rms_norm(ctx, cmd, &bad);
  vknorm_copy_last_error(bad_message, sizeof bad_message);
  CHECK_VKNORM(vknorm_record_rms_norm(ctx, cmd, &rms));
  CHECK_VKNORM(vknorm_record_layer_norm(ctx, cmd, &ln));
  /* Make the shader writes visible to the host read below. */
  mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
  mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
  vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &mb, 0,
                       NULL, 0, NULL);
  CHECK_VK(vkEndCommandBuffer(cmd));
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  CHECK_VK(vkQueueSubmit(queue, 1, &si, VK_NULL_HANDLE));
  CHECK_VK(vkQueueWaitIdle(queue));

  /* --- check against double-precision formulas --- */
  rms_err = rms_error(data);
  ln_err = layer_norm_error(data);
  for (i = 0; i < RMS_COUNT; ++i) guard_intact &= data[OFF_GUARD + i] == -7.0f;
  printf("vknorm %s (C API) on %s: RMSNorm max abs error %.3g, LayerNorm %.3g\n", vknorm_version_string(),
         info.name, rms_err, ln_err);
  printf("refused call: %s: %s\n", vknorm_status_name(bad_status), bad_message);
  failed = !(rms_err < 1e-5) || !(ln_err < 1e-4) || bad_status != VKNORM_STATUS_INVALID_ARGUMENT ||
           bad_message[0] == '\0' || !guard_intact || vknorm_version() != VKNORM_HEADER_VERSION;

  vknorm_destroy_context(ctx);
  vkDestroyCommandPool(device, pool, NULL);
  vkDestroyBuffer(device, buffer, NULL);
  vkFreeMemory(device, memory, NULL);
  vkDestroyDevice(device, NULL);
  vkDestroyInstance(instance, NULL);
  printf("%s\n", failed ? "FAIL" : "PASS");
  return failed ? 1 : 0;
}
