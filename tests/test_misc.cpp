// Context facts, configuration readback and overrides, scratch queries, the forced shared-memory
// reduction path, several operators in one command buffer, and the large-tensor path.
#include "support/dtype_convert.h"
#include "support/reference.h"
#include "test_common.h"

#include <cstring>
#include <limits>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::KernelConfig;
using vknorm::Tensor;

namespace {

Tensor view(const vknorm_support::Buffer& b, DType dt, std::vector<int64_t> shape, VkDeviceSize offset = 0) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return Tensor::contiguous(b.buffer, offset, static_cast<VkDeviceSize>(n) * vknorm::dtype_size(dt), dt, shape);
}

void check_config_sane(HostDevice& dev, const KernelConfig& c, vknorm::Op op, const std::string& what) {
  CAPTURE(what);
  CAPTURE(vknorm::to_string(c));
  const auto& lim = dev.properties().limits;
  CHECK(c.workgroup_size > 0);
  CHECK(c.workgroup_size <= lim.maxComputeWorkGroupInvocations);
  CHECK(c.workgroup_size <= lim.maxComputeWorkGroupSize[0]);
  CHECK(c.workgroup_size <= dev.info().max_workgroup_invocations);
  CHECK(c.items_per_invocation > 0);
  CHECK((c.vector_width == 1 || c.vector_width == 4 || c.vector_width == 8));
  CHECK(c.split >= 1);
  CHECK(c.rows_per_workgroup >= 1);
  if (op == vknorm::Op::rms_norm && c.case_class.find("/rows/") == std::string::npos) {  // channel kernel
    CHECK(c.channel_split >= 1);
    CHECK(c.channel_split <= c.workgroup_size);
  }
  CHECK(!c.source.empty());
  CHECK(!c.case_class.empty());
}

void check_dispatches_sane(HostDevice& dev, const std::vector<vknorm::DispatchInfo>& ds, const std::string& what) {
  CAPTURE(what);
  const auto& lim = dev.properties().limits;
  CHECK(!ds.empty());
  for (const auto& d : ds) {
    CAPTURE(d.kernel);
    CHECK(!d.kernel.empty());
    CHECK(d.pipeline != VK_NULL_HANDLE);
    CHECK(d.workgroup_size > 0);
    CHECK(d.workgroup_size <= lim.maxComputeWorkGroupInvocations);
    for (int i = 0; i < 3; ++i) {
      CHECK(d.groups[i] >= 1);
      CHECK(d.groups[i] <= lim.maxComputeWorkGroupCount[i]);
    }
  }
}

}  // namespace

TEST_SUITE("misc") {
  TEST_CASE("version and device info") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    CHECK(std::string(vknorm::version_string()) == "0.2.0");
    const vknorm::DeviceInfo& i = dev.info();
    MESSAGE("device " << i.name << " class " << std::string(vknorm::device_class_name(i.device_class)) << " subgroup "
                      << i.subgroup_size << " [" << i.min_subgroup_size << ".." << i.max_subgroup_size << "]");
    CHECK(!i.name.empty());
    CHECK(i.name == std::string(dev.properties().deviceName));
    CHECK(i.vendor_id == dev.properties().vendorID);
    CHECK(i.device_id == dev.properties().deviceID);
    CHECK(i.subgroup_size >= 1);
    CHECK(i.min_subgroup_size <= i.subgroup_size);
    CHECK(i.subgroup_size <= i.max_subgroup_size);
    CHECK(i.max_workgroup_invocations == dev.properties().limits.maxComputeWorkGroupInvocations);
    CHECK(i.max_shared_memory_bytes == dev.properties().limits.maxComputeSharedMemorySize);
    CHECK(i.max_storage_buffer_range == dev.properties().limits.maxStorageBufferRange);
    CHECK(i.supports(DType::f32));
    CHECK(i.supports(DType::f16) == i.enabled.storage_buffer_16bit);
    if (std::string(dev.properties().deviceName).find("llvmpipe") != std::string::npos) {
      CHECK(i.device_class == vknorm::DeviceClass::lavapipe);
      CHECK(i.subgroup_arithmetic);
      CHECK_FALSE(i.shared_memory_reduction);
      CHECK(dev.validation_enabled());  // the layer is installed where the suite runs (CI)
    }
    auto list = HostDevice::list_devices(nullptr);
    CHECK(!list.empty());
    for (const auto& d : list) MESSAGE("device [" << d.index << "] " << d.name << " " << d.driver_name);
  }

  TEST_CASE("select_config and describe_dispatches respect device limits") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const int64_t big = 300000;
    vknorm_support::Buffer x = dev.create_buffer(2 * big * 4 + 4096, false);
    vknorm_support::Buffer y = dev.create_buffer(2 * big * 4 + 4096, false);
    vknorm_support::Buffer s = dev.create_buffer(1 << 20, false);
    REQUIRE(x.buffer);
    for (auto shape : {std::vector<int64_t>{2, 64, 257}, std::vector<int64_t>{1, 1000, 7},
                       std::vector<int64_t>{8, 3, 1024}}) {
      vknorm::RmsNormArgs a{};
      a.x = view(x, DType::f32, shape);
      a.y = view(y, DType::f32, shape);
      KernelConfig c;
      REQUIRE(vknorm::select_config(dev.context(), a, &c).ok());
      check_config_sane(dev, c, vknorm::Op::rms_norm, "rms_norm");
      VkDeviceSize bytes = 1;
      CHECK(vknorm::rms_norm_scratch_size(dev.context(), a, &bytes).ok());
      CHECK(bytes == 0);
      std::vector<vknorm::DispatchInfo> ds;
      REQUIRE(vknorm::describe_dispatches(dev.context(), a, &ds).ok());
      check_dispatches_sane(dev, ds, "rms_norm");
      CHECK(ds.size() <= 2);
    }
    for (auto shape : {std::vector<int64_t>{100, 33}, std::vector<int64_t>{9, 1025},
                       std::vector<int64_t>{2, big}, std::vector<int64_t>{1, 65535}}) {
      vknorm::LayerNormArgs a{};
      a.x = view(x, DType::f32, shape);
      a.y = view(y, DType::f32, shape);
      KernelConfig c;
      REQUIRE(vknorm::select_config(dev.context(), a, &c).ok());
      check_config_sane(dev, c, vknorm::Op::layer_norm_forward, "layer_norm");
      VkDeviceSize bytes = 0;
      REQUIRE(vknorm::layer_norm_scratch_size(dev.context(), a, &bytes).ok());
      MESSAGE("layer_norm [" << shape[0] << "," << shape[1] << "] " << vknorm::to_string(c) << " scratch " << bytes);
      if (c.split == 1) CHECK(bytes == 0);
      if (c.split > 1) CHECK(bytes > 0);
      if (bytes) a.scratch = Tensor::contiguous(s.buffer, 0, bytes, DType::f32, {int64_t(bytes / 4)});
      std::vector<vknorm::DispatchInfo> ds;
      REQUIRE(vknorm::describe_dispatches(dev.context(), a, &ds).ok());
      check_dispatches_sane(dev, ds, "layer_norm");
    }
    // 2 rows of 300000: a long row must be split over workgroups.
    {
      vknorm::LayerNormArgs a{};
      a.x = view(x, DType::f32, {2, big});
      a.y = view(y, DType::f32, {2, big});
      KernelConfig c;
      REQUIRE(vknorm::select_config(dev.context(), a, &c).ok());
      CHECK(c.split > 1);
    }
    for (auto shape : {std::vector<int64_t>{64, 33}, std::vector<int64_t>{4000, 64},
                       std::vector<int64_t>{2, big}}) {
      vknorm::LayerNormBackwardArgs a{};
      a.x = view(x, DType::f32, shape);
      a.dy = view(x, DType::f32, shape);
      a.dx = view(y, DType::f32, shape);
      a.mean = view(s, DType::f32, {shape[0]});
      a.rstd = view(s, DType::f32, {shape[0]});
      KernelConfig c;
      REQUIRE(vknorm::select_config(dev.context(), a, &c).ok());
      check_config_sane(dev, c, vknorm::Op::layer_norm_backward, "layer_norm_backward");
      VkDeviceSize bytes = 0;
      REQUIRE(vknorm::layer_norm_backward_scratch_size(dev.context(), a, &bytes).ok());
      MESSAGE("layer_norm_backward [" << shape[0] << "," << shape[1] << "] " << vknorm::to_string(c) << " scratch " << bytes);
    }
    dev.destroy_buffer(x);
    dev.destroy_buffer(y);
    dev.destroy_buffer(s);
  }

  TEST_CASE("caller configurations are honoured and read back") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    struct Item {
      CaseSpec spec;
      KernelConfig cfg;
    };
    auto cfg = [](uint32_t wg, uint32_t items, uint32_t vec, uint32_t csplit, uint32_t split, uint32_t rows) {
      KernelConfig c;
      c.workgroup_size = wg;
      c.items_per_invocation = items;
      c.vector_width = vec;
      c.channel_split = csplit;
      c.split = split;
      c.rows_per_workgroup = rows;
      return c;
    };
    std::vector<Item> items = {
        {rms(DType::f32, {2, 64, 100}), cfg(64, 1, 1, 1, 0, 0)},
        {rms(DType::f32, {2, 64, 100}), cfg(32, 2, 1, 8, 0, 0)},
        {rms(DType::f16, {2, 1000, 16}), cfg(256, 4, 4, 64, 0, 0)},
        {rms(DType::f32, {3, 5, 64}), cfg(128, 8, 4, 1, 0, 0)},
        {ln(DType::f32, {40, 33}), cfg(32, 2, 1, 0, 1, 0)},
        {ln(DType::f32, {40, 768}), cfg(64, 12, 4, 0, 1, 0)},   // row kernels: any multiple of vec
        {ln(DType::bf16, {9, 300}), cfg(32, 10, 1, 0, 1, 0)},
        {ln(DType::f32, {10, 1000}), cfg(64, 4, 1, 0, 3, 0)},
        {ln(DType::f16, {3, 8000}), cfg(1024, 8, 4, 0, 1, 0)},
        {ln(DType::bf16, {3, 8000}), cfg(64, 4, 4, 0, 7, 0)},
        {ln(DType::f32, {5, 3000}), cfg(64, 8, 4, 0, 5, 0)},
        {ln_bwd(DType::f32, {300, 100}), cfg(64, 2, 1, 0, 1, 1)},
        {ln_bwd(DType::f32, {300, 100}), cfg(32, 4, 1, 0, 1, 7)},
        {ln_bwd(DType::f32, {30, 1000}), cfg(64, 4, 4, 0, 3, 4)},
        {ln_bwd(DType::f16, {17, 5000}), cfg(128, 8, 4, 0, 2, 16)},
    };
    for (auto& it : items) {
      it.spec.config = &it.cfg;
      CaseResult r = check_case(dev, it.spec);
      if (r.ran) {
        CHECK(r.config.source == "caller");
        CHECK(r.config.workgroup_size == it.cfg.workgroup_size);
        CHECK(r.config.items_per_invocation == it.cfg.items_per_invocation);
        if (it.cfg.split) CHECK(r.config.split == it.cfg.split);
      }
    }
    // Configs that cannot run are refused with invalid_argument.
    vknorm_support::Buffer x = dev.create_buffer(4096, false), y = dev.create_buffer(4096, false);
    vknorm::LayerNormArgs a{};
    a.x = view(x, DType::f32, {4, 100});
    a.y = view(y, DType::f32, {4, 100});
    for (KernelConfig bad : {cfg(48, 4, 1, 0, 1, 0), cfg(4096, 1, 1, 0, 1, 0), cfg(32, 1, 1, 0, 1, 0),
                             cfg(64, 6, 4, 0, 1, 0), cfg(64, 4, 2, 0, 1, 0), cfg(64, 3, 1, 0, 2, 0)}) {
      a.config = &bad;
      CAPTURE(vknorm::to_string(bad));
      KernelConfig out;
      Error e = vknorm::select_config(dev.context(), a, &out);
      CHECK(e.status == vknorm::Status::invalid_argument);
      CHECK(!e.message.empty());
    }
    dev.destroy_buffer(x);
    dev.destroy_buffer(y);
  }

  TEST_CASE("forward then backward in one command buffer; prepare; context scratch") {
    // LayerNorm forward writes mean / rstd that the backward reads in the same command buffer,
    // with only the caller's barrier between (the library's contract). The context owns the
    // scratch (no args.scratch).
    vknorm_support::HostOptions o;
    o.context_scratch_bytes = 8 << 20;
    std::string err;
    auto dev = HostDevice::create(o, &err);
    REQUIRE_MESSAGE(dev != nullptr, err);
    ValidationScope vs(*dev);
    for (auto shape : {std::vector<int64_t>{64, 1000}, std::vector<int64_t>{2, 300000}}) {
      const int64_t R = shape[0], D = shape[1];
      CAPTURE(D);
      CaseSpec spec = ln(DType::f32, shape, 1, 1e-5, true, DataKind::normal, 901);
      auto in = vknorm_support::make_case_inputs(spec);
      std::vector<double> dy = vknorm_support::make_data(DataKind::normal, size_t(R * D), 902, DType::f32);
      auto up = [&](const std::vector<double>& v) {
        auto bytes = vknorm_support::encode(v, DType::f32);
        vknorm_support::Buffer b = dev->create_buffer(bytes.size(), false);
        dev->upload(b, bytes.data(), bytes.size());
        return b;
      };
      vknorm_support::Buffer bx = up(in.x), bw = up(in.weight), bb = up(in.bias), bdy = up(dy);
      vknorm_support::Buffer by = dev->create_buffer(R * D * 4, false), bm = dev->create_buffer(R * 4, false),
                             br = dev->create_buffer(R * 4, false), bdx = dev->create_buffer(R * D * 4, false),
                             bdw = dev->create_buffer(D * 4, false), bdb = dev->create_buffer(D * 4, false);
      vknorm::LayerNormArgs f{};
      f.x = view(bx, DType::f32, shape);
      f.y = view(by, DType::f32, shape);
      f.weight = view(bw, DType::f32, {D});
      f.bias = view(bb, DType::f32, {D});
      f.mean = view(bm, DType::f32, {R});
      f.rstd = view(br, DType::f32, {R});
      vknorm::LayerNormBackwardArgs b{};
      b.x = f.x;
      b.dy = view(bdy, DType::f32, shape);
      b.weight = f.weight;
      b.mean = f.mean;
      b.rstd = f.rstd;
      b.dx = view(bdx, DType::f32, shape);
      b.dweight = view(bdw, DType::f32, {D});
      b.dbias = view(bdb, DType::f32, {D});
      REQUIRE(vknorm::prepare_layer_norm(dev->context(), f).ok());
      REQUIRE(vknorm::prepare_layer_norm_backward(dev->context(), b).ok());
      Error e1, e2;
      REQUIRE(dev->run([&](VkCommandBuffer cmd) {
        e1 = vknorm::record_layer_norm(dev->context(), cmd, f);
        dev->full_barrier(cmd);
        e2 = vknorm::record_layer_norm_backward(dev->context(), cmd, b);
      }) == VK_SUCCESS);
      REQUIRE_MESSAGE(e1.ok(), e1.message);
      REQUIRE_MESSAGE(e2.ok(), e2.message);
      auto down = [&](const vknorm_support::Buffer& buf, size_t n) {
        std::vector<uint8_t> bytes(n * 4);
        dev->download(buf, bytes.data(), bytes.size());
        return vknorm_support::decode(bytes, DType::f32);
      };
      std::vector<double> y, mean, rstd, dx, dw, db;
      vknorm_support::layer_norm_reference(in.x, in.weight, in.bias, &y, &mean, &rstd, R, D, 1e-5);
      auto gm = down(bm, size_t(R)), gr = down(br, size_t(R));
      auto t32 = vknorm_support::tolerance_for(DType::f32);
      auto sy = vknorm_support::compare(down(by, size_t(R * D)), y, t32);
      CHECK_MESSAGE(sy.pass, "y " << sy.summary());
      auto tmean = t32;  // the mean of centred data: element-wise only (see op_case.cpp)
      tmean.max_nmse = std::numeric_limits<double>::infinity();
      auto smean = vknorm_support::compare(gm, mean, tmean);
      CHECK_MESSAGE(smean.pass, "mean " << smean.summary());
      auto srstd = vknorm_support::compare(gr, rstd, t32);
      CHECK_MESSAGE(srstd.pass, "rstd " << srstd.summary());
      // The backward consumed the device's own mean / rstd.
      vknorm_support::layer_norm_backward_reference(dy, in.x, in.weight, gm, gr, &dx, &dw, &db, R, D);
      auto sdx = vknorm_support::compare(down(bdx, size_t(R * D)), dx, t32);
      auto sdw = vknorm_support::compare(down(bdw, size_t(D)), dw, vknorm_support::tolerance_for(DType::f32, R));
      auto sdb = vknorm_support::compare(down(bdb, size_t(D)), db, vknorm_support::tolerance_for(DType::f32, R));
      CHECK_MESSAGE(sdx.pass, "dx " << sdx.summary());
      CHECK_MESSAGE(sdw.pass, "dweight " << sdw.summary());
      CHECK_MESSAGE(sdb.pass, "dbias " << sdb.summary());
      for (auto* buf : {&bx, &bw, &bb, &bdy, &by, &bm, &br, &bdx, &bdw, &bdb}) dev->destroy_buffer(*buf);
    }
  }

  TEST_CASE("timestamps and host device helpers") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    if (dev.timestamp_valid_bits() > 0) {
      REQUIRE(dev.run([&](VkCommandBuffer cmd) {
        dev.reset_timestamps(cmd, 2);
        dev.write_timestamp(cmd, 0);
        dev.write_timestamp(cmd, 1);
      }) == VK_SUCCESS);
      auto t = dev.read_timestamps_ns(2);
      REQUIRE(t.size() == 2);
      CHECK(t[0] == 0.0);
      CHECK(t[1] >= 0.0);
    }
    // fill / upload / download round trip on a device-local and a host-visible buffer.
    for (bool hv : {false, true}) {
      vknorm_support::Buffer b = dev.create_buffer(1000, hv);
      REQUIRE(b.buffer);
      if (hv) CHECK(b.mapped != nullptr);
      dev.fill(b, 0x01020304u);
      std::vector<uint8_t> bytes(1000), pattern(1000);
      dev.download(b, bytes.data(), 1000);
      for (size_t i = 0; i < 1000; ++i) pattern[i] = uint8_t(4 - (i & 3));
      CHECK(bytes == pattern);
      std::vector<uint8_t> data(100);
      for (size_t i = 0; i < 100; ++i) data[i] = uint8_t(i * 7);
      dev.upload(b, data.data(), 100, 200);
      dev.download(b, bytes.data(), 1000);
      CHECK(std::memcmp(bytes.data() + 200, data.data(), 100) == 0);
      CHECK(bytes[199] == pattern[199]);
      CHECK(bytes[300] == pattern[300]);
      dev.destroy_buffer(b);
      CHECK(b.buffer == VK_NULL_HANDLE);
    }
  }
}

TEST_SUITE("shared_reduction") {
  TEST_CASE("forced shared-memory reduction: representative subset") {
    HostDevice& dev = shared_reduction_host();
    ValidationScope vs(dev);
    CHECK(dev.info().shared_memory_reduction);
    for (DType dt : kAllDtypes) {
      check_case(dev, rms(dt, {2, 64, 33}, 1e-5, true, DataKind::normal, 501));
      check_case(dev, rms(dt, {1, 1000, 7}, 1e-5, false, DataKind::normal, 502));
      check_case(dev, ln(dt, {40, 33}, 1, 1e-5, true, DataKind::normal, 503));
      check_case(dev, ln(dt, {9, 1025}, 1, 1e-5, true, DataKind::normal, 504));
      check_case(dev, ln(dt, {2, 300000}, 1, 1e-5, true, DataKind::normal, 505));
      check_case(dev, ln_bwd(dt, {64, 33}, 1, true, DataKind::normal, 506));
      check_case(dev, ln_bwd(dt, {2000, 64}, 1, true, DataKind::normal, 507));
      check_case(dev, ln_bwd(dt, {4, 20000}, 1, true, DataKind::normal, 508));
      // Row kernels: one row per workgroup (wg_sum2), several rows (segments), streamed rows.
      check_case(dev, rms(dt, {3, 4096}, 1e-5, true, DataKind::normal, 512));
      check_case(dev, rms(dt, {300, 128}, 1e-5, true, DataKind::normal, 513));
      check_case(dev, rms(dt, {1000, 7}, 1e-5, false, DataKind::normal, 514));
      check_case(dev, rms(dt, {2, 65535}, 1e-5, true, DataKind::normal, 515));
      check_case(dev, ln(dt, {500, 128}, 1, 1e-5, true, DataKind::normal, 516));
      check_case(dev, ln(dt, {100, 768}, 1, 1e-5, true, DataKind::large_mean, 517));
    }
    check_case(dev, ln(DType::f32, {16, 1024}, 1, 1e-5, true, DataKind::large_mean, 509));
    check_case(dev, ln(DType::f32, {12, 100}, 1, 1e-5, true, DataKind::nan_inf, 510));
    check_case(dev, rms(DType::f32, {3, 16, 50}, 1e-5, true, DataKind::nan_inf, 511));
  }
}

TEST_SUITE("large") {
  // x larger than maxStorageBufferRange (128 MiB on lavapipe): the library must window the
  // batches / rows over several bindings. ~144 MiB of f32 each. Exclude with
  // --test-suite-exclude=large when it is too slow.
  TEST_CASE("large tensors beyond maxStorageBufferRange") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const uint64_t range = dev.info().max_storage_buffer_range;
    const uint64_t target = std::max<uint64_t>(144ull << 20, range + (16ull << 20));
    if (target > (1ull << 30) || target * 2 > dev.device_local_heap_bytes() / 2) {
      MESSAGE("maxStorageBufferRange " << range << ": the large-tensor case would need too much memory; skipped");
      return;
    }
    const int64_t elems = int64_t(target / 4);
    {
      const int64_t C = 64, S = 65536, N = (elems + C * S - 1) / (C * S);
      auto s = rms(DType::f32, {N, C, S}, 1e-5, true, DataKind::normal, 601);
      CaseResult r = check_case(dev, s);
      MESSAGE(s.label() << ": " << r.seconds << " s");
    }
    {
      const int64_t D = 1024, R = (elems + D - 1) / D;
      auto s = ln(DType::f32, {R, D}, 1, 1e-5, true, DataKind::normal, 602);
      CaseResult r = check_case(dev, s);
      MESSAGE(s.label() << ": " << r.seconds << " s");
    }
  }
}
