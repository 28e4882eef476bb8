// One text form per value: parse_config reads what to_string(KernelConfig) writes (and the long
// field names), the public tuning-cache reader / writer round-trip through the file the
// library reads, and query_device_info gives what the context's device_info gives.
#include "test_common.h"

#include <cstdio>
#include <fstream>
#include <random>
#include <string>

using namespace vknorm_test;
using vknorm::Error;
using vknorm::KernelConfig;
using vknorm::Status;

namespace {

bool same(const KernelConfig& a, const KernelConfig& b) {
  return a.workgroup_size == b.workgroup_size && a.items_per_invocation == b.items_per_invocation &&
         a.vector_width == b.vector_width && a.channel_split == b.channel_split &&
         a.split == b.split && a.rows_per_workgroup == b.rows_per_workgroup &&
         a.wave_bytes == b.wave_bytes && a.source == b.source;
}

KernelConfig parsed(const std::string& text) {
  KernelConfig c;
  const Error e = vknorm::parse_config(text, &c);
  CAPTURE(text);
  CHECK_MESSAGE(e.ok(), e.message);
  return c;
}

Error parse_error(const std::string& text) {
  KernelConfig c;
  c.workgroup_size = 77;
  const Error e = vknorm::parse_config(text, &c);
  CHECK(c.workgroup_size == 77);  // unchanged on failure
  return e;
}

std::string temp_path(const char* name) {
  return std::string("/tmp/vknorm_test_") + name + "_" + std::to_string(std::random_device{}());
}

}  // namespace

TEST_SUITE("config_text") {
  TEST_CASE("parse_config reads back to_string for many configs") {
    std::mt19937_64 rng(12345);
    const char* sources[] = {"", "caller", "tuned", "table:hopper", "table:lavapipe", "x"};
    for (int i = 0; i < 2000; ++i) {
      KernelConfig c;
      auto pick = [&](uint32_t max) { return static_cast<uint32_t>(rng() % (uint64_t(max) + 1)); };
      const bool extreme = i % 7 == 0;
      c.workgroup_size = extreme ? UINT32_MAX : pick(1024);
      c.items_per_invocation = pick(64);
      c.vector_width = pick(8);
      c.channel_split = extreme ? 0 : pick(256);
      c.split = pick(64);
      c.rows_per_workgroup = pick(32);
      c.wave_bytes = extreme ? UINT64_MAX : (i % 3 ? rng() >> (rng() % 64) : 0);
      c.source = sources[i % 6];
      const std::string text = vknorm::to_string(c);
      CAPTURE(text);
      KernelConfig back;
      const Error e = vknorm::parse_config(text, &back);
      REQUIRE_MESSAGE(e.ok(), e.message);
      CHECK(same(back, c));
      CHECK(vknorm::to_string(back) == text);
      CHECK(back.case_class.empty());
    }
  }

  TEST_CASE("parse_config accepts the long names, either separator, any order, no source") {
    KernelConfig a = parsed("workgroup_size=256,items_per_invocation=4,vector_width=4,channel_split=8,"
                            "split=2,rows_per_workgroup=3,wave_bytes=1048576");
    KernelConfig b = parsed("wg=256 items=4 vec=4 csplit=8 split=2 rows=3 wave=1048576");
    KernelConfig c = parsed("  wave_bytes=1048576, rows=3 split=2,,csplit=8  vec=4,items=4 workgroup_size=256 ");
    for (const KernelConfig* k : {&a, &b, &c}) {
      CHECK(k->workgroup_size == 256);
      CHECK(k->items_per_invocation == 4);
      CHECK(k->vector_width == 4);
      CHECK(k->channel_split == 8);
      CHECK(k->split == 2);
      CHECK(k->rows_per_workgroup == 3);
      CHECK(k->wave_bytes == 1048576);
      CHECK(k->source.empty());
    }
    KernelConfig partial = parsed("workgroup_size=64,split=4");
    CHECK(partial.workgroup_size == 64);
    CHECK(partial.split == 4);
    CHECK(partial.items_per_invocation == 0);
    CHECK(partial.wave_bytes == 0);
    KernelConfig empty = parsed("");
    CHECK(same(empty, KernelConfig{}));
    CHECK(parsed("wg=32 (caller)").source == "caller");
    CHECK(parsed("wg=32 ()").source.empty());
    CHECK(parsed("(tuned)").source == "tuned");
    CHECK(parsed("wg=32(table:ada)  ").source == "table:ada");
  }

  TEST_CASE("parse_config rejects unknown keys, bad numbers, duplicates and stray text") {
    struct Bad {
      const char* text;
      const char* says;
    };
    const Bad bad[] = {
        {"wg=256 foo=1", "unknown key 'foo'"},
        {"workgroup=256", "unknown key 'workgroup'"},
        {"wg=256 wg=128", "given twice"},
        {"wg=256,workgroup_size=128", "given twice"},
        {"wg=", "not an unsigned integer"},
        {"wg=-1", "not an unsigned integer"},
        {"wg=+1", "not an unsigned integer"},
        {"wg=1.5", "not an unsigned integer"},
        {"wg=0x10", "not an unsigned integer"},
        {"wg=abc", "not an unsigned integer"},
        {"wg=4294967296", "too large"},
        {"wave=18446744073709551616", "too large"},
        {"wg", "not key=value"},
        {"=4", "not key=value"},
        {"wg=4 (tuned) items=2", "text after the (source)"},
        {"wg=4 (tuned", "without a closing"},
        {"wg=4 tuned)", "without an opening"},
    };
    for (const Bad& b : bad) {
      CAPTURE(b.text);
      const Error e = parse_error(b.text);
      CHECK(e.status == Status::invalid_argument);
      CHECK_MESSAGE(e.message.find(b.says) != std::string::npos, e.message);
      CHECK(e.message.find(b.text) != std::string::npos);  // names the text it read
    }
    CHECK(vknorm::parse_config("wg=1", nullptr).status == Status::invalid_argument);
  }

  TEST_CASE("tuning cache: write merges by device and key, read gives the entries back") {
    const std::string path = temp_path("tuning_cache");
    std::remove(path.c_str());
    vknorm::DeviceInfo d1, d2;
    for (uint32_t i = 0; i < VK_UUID_SIZE; ++i) {
      d1.uuid[i] = static_cast<uint8_t>(i);
      d2.uuid[i] = static_cast<uint8_t>(0xf0 + i);
    }
    d1.driver_version = 7;
    d2.driver_version = 9;
    CHECK(vknorm::device_uuid_string(d1) == "000102030405060708090a0b0c0d0e0f");

    std::vector<vknorm::TuningCacheEntry> none;
    REQUIRE(vknorm::read_tuning_cache(path, &none).ok());  // missing file: no entries
    CHECK(none.empty());

    vknorm::TuningCacheEntry a;
    a.case_class = "rms_norm/f32/C64/S262144";
    a.config = parsed("wg=128 items=4 vec=4 csplit=8 split=1 rows=1 wave=0");
    a.tuned_ms = 0.25;
    a.baseline_ms = 0.5;
    a.device_uuid = "ignored";  // the writer keys on its device
    vknorm::TuningCacheEntry b = a;
    b.case_class = "layer_norm/f16/N4096";
    b.config = parsed("workgroup_size=256,split=4,wave_bytes=65536");
    REQUIRE(vknorm::write_tuning_cache(path, d1, {a, b}).ok());
    vknorm::TuningCacheEntry a2 = a;
    a2.config.workgroup_size = 64;
    REQUIRE(vknorm::write_tuning_cache(path, d2, {a}).ok());   // another device: kept apart
    REQUIRE(vknorm::write_tuning_cache(path, d1, {a2}).ok());  // same key: replaced

    std::vector<vknorm::TuningCacheEntry> got;
    const Error e = vknorm::read_tuning_cache(path, &got);
    REQUIRE_MESSAGE(e.ok(), e.message);
    REQUIRE(got.size() == 3);
    int found = 0;
    for (const auto& g : got) {
      CAPTURE(g.case_class);
      CHECK(g.config.source == "tuned");
      CHECK(g.config.case_class == g.case_class);
      if (g.device_uuid == vknorm::device_uuid_string(d1)) {
        CHECK(g.driver_version == 7);
        if (g.case_class == a.case_class) {
          CHECK(g.config.workgroup_size == 64);
          CHECK(g.tuned_ms == doctest::Approx(0.25));
          CHECK(g.baseline_ms == doctest::Approx(0.5));
          ++found;
        } else {
          CHECK(g.case_class == b.case_class);
          CHECK(g.config.split == 4);
          CHECK(g.config.wave_bytes == 65536);
          ++found;
        }
      } else {
        CHECK(g.device_uuid == vknorm::device_uuid_string(d2));
        CHECK(g.driver_version == 9);
        CHECK(g.config.workgroup_size == 128);
        ++found;
      }
    }
    CHECK(found == 3);

    vknorm::TuningCacheEntry nokey;
    CHECK(vknorm::write_tuning_cache(path, d1, {nokey}).status == Status::invalid_argument);
    std::ofstream(path) << "not a tuning cache\n";
    CHECK(vknorm::read_tuning_cache(path, &got).status == Status::invalid_argument);
    CHECK(vknorm::write_tuning_cache(path, d1, {a}).status == Status::invalid_argument);
    std::remove(path.c_str());
  }

  TEST_CASE("tuning cache: a written entry is what a context with the cache selects") {
    HostDevice& dev = host();
    ValidationScope vs(dev);
    const CaseSpec spec = ln(DType::f32, {64, 1000});
    vknorm_support::Buffer x = dev.create_buffer(64 * 1000 * 4, false);
    vknorm::LayerNormArgs a{};
    a.x = vknorm::Tensor::contiguous(x.buffer, 0, x.size, DType::f32, spec.shape);
    a.y = a.x;
    KernelConfig chosen;
    REQUIRE(vknorm::select_config(dev.context(), a, &chosen).ok());
    REQUIRE(!chosen.case_class.empty());
    vknorm::TuningCacheEntry e;
    e.case_class = chosen.case_class;
    e.config = chosen;
    const std::string path = temp_path("tuning_cache_ctx");
    REQUIRE(vknorm::write_tuning_cache(path, dev.info(), {e}).ok());

    vknorm_support::HostOptions ho;
    ho.tuning_cache_path = path;
    std::string err;
    std::unique_ptr<HostDevice> tuned = HostDevice::create(ho, &err);
    REQUIRE_MESSAGE(tuned, err);
    vknorm_support::Buffer x2 = tuned->create_buffer(64 * 1000 * 4, false);
    a.x = vknorm::Tensor::contiguous(x2.buffer, 0, x2.size, DType::f32, spec.shape);
    a.y = a.x;
    KernelConfig read_back;
    REQUIRE(vknorm::select_config(tuned->context(), a, &read_back).ok());
    CHECK(read_back.source == "tuned");
    CHECK(read_back.workgroup_size == chosen.workgroup_size);
    CHECK(read_back.items_per_invocation == chosen.items_per_invocation);
    CHECK(read_back.split == chosen.split);
    tuned->destroy_buffer(x2);
    tuned.reset();

    // The key carries the subgroup size: an entry tuned for other lanes (the same lavapipe at
    // another LP_NATIVE_VECTOR_WIDTH) does not apply.
    const std::string sg = "/sg" + std::to_string(dev.info().subgroup_size);
    REQUIRE(chosen.case_class.size() > sg.size());
    CHECK(chosen.case_class.compare(chosen.case_class.size() - sg.size(), sg.size(), sg) == 0);
    e.case_class = chosen.case_class.substr(0, chosen.case_class.size() - sg.size()) + "/sg" +
                   std::to_string(dev.info().subgroup_size * 2);
    std::remove(path.c_str());  // write_tuning_cache merges into an existing file
    REQUIRE(vknorm::write_tuning_cache(path, dev.info(), {e}).ok());
    std::unique_ptr<HostDevice> other = HostDevice::create(ho, &err);
    REQUIRE_MESSAGE(other, err);
    vknorm_support::Buffer x3 = other->create_buffer(64 * 1000 * 4, false);
    a.x = vknorm::Tensor::contiguous(x3.buffer, 0, x3.size, DType::f32, spec.shape);
    a.y = a.x;
    REQUIRE(vknorm::select_config(other->context(), a, &read_back).ok());
    CHECK(read_back.source != "tuned");
    other->destroy_buffer(x3);
    other.reset();
    dev.destroy_buffer(x);
    std::remove(path.c_str());
  }

  TEST_CASE("query_device_info matches the context's device_info") {
    HostDevice& dev = host();
    const vknorm::DeviceInfo& c = dev.info();
    vknorm::DeviceInfo q;
    const Error e = vknorm::query_device_info(dev.instance(), dev.physical_device(), vkGetInstanceProcAddr, &q);
    REQUIRE_MESSAGE(e.ok(), e.message);
    CHECK(q.name == c.name);
    CHECK(q.device_class == c.device_class);
    CHECK(q.vendor_id == c.vendor_id);
    CHECK(q.device_id == c.device_id);
    CHECK(q.driver_version == c.driver_version);
    CHECK(q.api_version == c.api_version);
    CHECK(q.driver_id == c.driver_id);
    CHECK(vknorm::device_uuid_string(q) == vknorm::device_uuid_string(c));
    CHECK(q.subgroup_size == c.subgroup_size);
    CHECK(q.min_subgroup_size == c.min_subgroup_size);
    CHECK(q.max_subgroup_size == c.max_subgroup_size);
    CHECK(q.subgroup_arithmetic == c.subgroup_arithmetic);
    CHECK(q.shared_memory_reduction == !q.subgroup_arithmetic);
    CHECK(q.max_workgroup_invocations == c.max_workgroup_invocations);
    CHECK(q.max_shared_memory_bytes == c.max_shared_memory_bytes);
    CHECK(q.max_storage_buffer_range == c.max_storage_buffer_range);
    CHECK(q.min_storage_buffer_offset_alignment == c.min_storage_buffer_offset_alignment);
    CHECK(q.multiprocessor_count == c.multiprocessor_count);
    vknorm::DeviceRequirements req;
    REQUIRE(vknorm::query_device_requirements(dev.instance(), dev.physical_device(), vkGetInstanceProcAddr, &req).ok());
    CHECK(q.enabled.push_descriptor == req.supported.push_descriptor);
    CHECK(q.enabled.buffer_device_address == req.supported.buffer_device_address);
    CHECK(q.enabled.storage_buffer_16bit == req.supported.storage_buffer_16bit);
    CHECK(q.buffers_need_device_address == !req.supported.push_descriptor);
    CHECK(vknorm::query_device_info(dev.instance(), dev.physical_device(), nullptr, &q).status ==
          Status::invalid_argument);
    CHECK(vknorm::query_device_info(VK_NULL_HANDLE, dev.physical_device(), vkGetInstanceProcAddr, &q).status ==
          Status::invalid_argument);
    CHECK(vknorm::query_device_info(dev.instance(), dev.physical_device(), vkGetInstanceProcAddr, nullptr).status ==
          Status::invalid_argument);
  }
}
