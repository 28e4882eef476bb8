#include "tools/fuzz/parser_fuzz.h"

#include "support/json.h"
#include "support/op_case.h"
#include "tools/fuzz/rng.h"

#include <cstdio>
#include <fstream>
#include <sstream>

namespace vknorm_fuzz {
namespace {

// Pieces real texts are made of, so that mutations reach past the first character.
const std::vector<std::string> kTokens = {
    "wg=", "items=", "vec=", "csplit=", "split=", "rows=", "wave=", "workgroup_size=",
    "items_per_invocation=", "vector_width=", "channel_split=", "rows_per_workgroup=",
    "wave_bytes=", "(", ")", "(tuned)", " ", ",", "=", "0", "1", "256", "4294967295",
    "4294967296", "18446744073709551615", "18446744073709551616", "-1", "+1", "0x10", "1e3",
    "x", "X", "*", "[", "]", "{", "}", "\"", ":", "\n", "\t", "\\", "\\u0000", "null", "true",
    "f32", "f16", "bf16", "i8", "fp32", "normal", "nan_inf", "#", "\"entries\"", "\"config\"",
    "\"case_class\"", "\"device_uuid\"", "\"driver_version\"", "[[[[[[[[", "1e400", "-0"};

std::string random_bytes(Rng& rng, size_t max_len) {
  std::string s(static_cast<size_t>(rng.below(max_len + 1)), '\0');
  for (char& c : s) c = static_cast<char>(rng.below(256));
  return s;
}

// A valid text with 1..4 edits: byte flips, inserted tokens, deletions, truncation, repeats.
std::string mutate(Rng& rng, std::string s) {
  const int edits = 1 + static_cast<int>(rng.below(4));
  for (int e = 0; e < edits; ++e) {
    const size_t at = static_cast<size_t>(rng.below(s.size() + 1));
    switch (rng.below(6)) {
      case 0:
        if (!s.empty()) s[at % s.size()] = static_cast<char>(rng.below(256));
        break;
      case 1: s.insert(at, rng.pick(kTokens)); break;
      case 2: s.erase(at, static_cast<size_t>(rng.below(8))); break;
      case 3: s.resize(at); break;
      case 4: s.insert(at, s.substr(at, static_cast<size_t>(rng.below(16)))); break;
      default: s.insert(at, random_bytes(rng, 4)); break;
    }
  }
  return s;
}

std::string token_soup(Rng& rng) {
  std::string s;
  const int n = static_cast<int>(rng.below(12));
  for (int k = 0; k < n; ++k) s += rng.pick(kTokens);
  return s;
}

vknorm::KernelConfig random_config_for_text(Rng& rng) {
  vknorm::KernelConfig c;
  c.workgroup_size = static_cast<uint32_t>(rng.below(2) ? rng.below(1025) : rng.next());
  c.items_per_invocation = static_cast<uint32_t>(rng.below(65));
  c.vector_width = static_cast<uint32_t>(rng.below(9));
  c.channel_split = static_cast<uint32_t>(rng.below(33));
  c.split = static_cast<uint32_t>(rng.below(2) ? rng.below(9) : rng.next());
  c.rows_per_workgroup = static_cast<uint32_t>(rng.below(17));
  c.wave_bytes = rng.below(2) ? rng.below(1 << 24) : rng.next();
  const char* sources[] = {"", "tuned", "table:hopper", "caller", "a b", "x)y"};
  c.source = sources[rng.below(6)];
  return c;
}

bool same_fields(const vknorm::KernelConfig& a, const vknorm::KernelConfig& b) {
  return a.workgroup_size == b.workgroup_size && a.items_per_invocation == b.items_per_invocation &&
         a.vector_width == b.vector_width && a.channel_split == b.channel_split && a.split == b.split &&
         a.rows_per_workgroup == b.rows_per_workgroup && a.wave_bytes == b.wave_bytes &&
         a.source == b.source;
}

class ParserFuzzer {
 public:
  ParserFuzzer(const vknorm::DeviceInfo& device, uint64_t seed, const std::string& dir, ParserFuzzStats* st)
      : device_(device), seed_(seed), st_(st), path_(dir + "/vknorm-fuzz-cache-" + std::to_string(seed) + ".json") {}
  ~ParserFuzzer() { std::remove(path_.c_str()); std::remove((path_ + ".tmp").c_str()); }

  void run(uint64_t inputs) {
    make_valid_cache();
    for (uint64_t i = 0; i < inputs; ++i) {
      Rng rng(seed_ * 0x2545F4914F6CDD1Dull + i);
      ++st_->inputs;
      switch (i % 4) {
        case 0: config_text(rng, i); break;
        case 1: cache_file(rng, i); break;
        case 2: shape_text(rng, i); break;
        default: json_text(rng, i); break;
      }
    }
  }

 private:
  void violation(uint64_t i, const std::string& what, const std::string& text) {
    ++st_->violations;
    if (st_->first_violations.size() < 20) {
      std::string shown;
      for (unsigned char c : text.substr(0, 80)) {
        char buf[8];
        std::snprintf(buf, sizeof buf, c >= 32 && c < 127 ? "%c" : "\\x%02x", c);
        shown += buf;
      }
      st_->first_violations.push_back("parser input " + std::to_string(i) + ": " + what + " on \"" + shown + "\"");
    }
  }

  std::string config_source(Rng& rng) {
    switch (rng.below(3)) {
      case 0: return random_bytes(rng, 64);
      case 1: return token_soup(rng);
      default: return mutate(rng, vknorm::to_string(random_config_for_text(rng)));
    }
  }

  void config_text(Rng& rng, uint64_t i) {
    // Valid texts must round-trip; mutated ones must either parse (and then round-trip) or
    // leave *out unchanged.
    const vknorm::KernelConfig original = random_config_for_text(rng);
    const std::string text = rng.chance(20) ? vknorm::to_string(original) : config_source(rng);
    vknorm::KernelConfig out = original;
    const vknorm::Error e = vknorm::parse_config(text, &out);
    if (!e.ok()) {
      if (!same_fields(out, original)) violation(i, "parse_config changed *out on an error", text);
      if (e.message.empty()) violation(i, "parse_config error without a message", text);
      return;
    }
    ++st_->accepted;
    vknorm::KernelConfig again;
    const vknorm::Error e2 = vknorm::parse_config(vknorm::to_string(out), &again);
    if (!e2.ok() || !same_fields(again, out))
      violation(i, "parse_config(to_string(c)) does not give c back (" + vknorm::to_string(out) + ")", text);
  }

  void make_valid_cache() {
    Rng rng(seed_);
    std::vector<vknorm::TuningCacheEntry> entries;
    for (int k = 0; k < 4; ++k) {
      vknorm::TuningCacheEntry e;
      e.case_class = "fuzz_class_" + std::to_string(k);
      e.config = random_config_for_text(rng);
      e.config.source.clear();
      e.tuned_ms = 0.5 * k;
      e.baseline_ms = 1.0 + k;
      entries.push_back(e);
    }
    std::remove(path_.c_str());
    const vknorm::Error e = vknorm::write_tuning_cache(path_, device_, entries);
    if (!e.ok()) violation(0, "write_tuning_cache failed: " + e.message, "");
    std::ifstream f(path_, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    valid_cache_ = ss.str();
    std::vector<vknorm::TuningCacheEntry> back;
    const vknorm::Error r = vknorm::read_tuning_cache(path_, &back);
    if (!r.ok() || back.size() != entries.size())
      violation(0, "read_tuning_cache does not read back what write_tuning_cache wrote: " + r.message, valid_cache_);
  }

  void cache_file(Rng& rng, uint64_t i) {
    const std::string text = rng.chance(15) ? random_bytes(rng, 512) : mutate(rng, valid_cache_);
    {
      std::ofstream f(path_, std::ios::binary | std::ios::trunc);
      f << text;
    }
    std::vector<vknorm::TuningCacheEntry> out;
    const vknorm::Error e = vknorm::read_tuning_cache(path_, &out);
    if (!e.ok()) {
      if (e.message.empty()) violation(i, "read_tuning_cache error without a message", text);
      return;
    }
    ++st_->accepted;
    // What it read must survive a write / read cycle (the writer re-keys to this device).
    if (i % 16 == 1) {
      bool has_class = true;
      for (const auto& en : out) has_class = has_class && !en.case_class.empty();
      if (!has_class) return;
      const std::string copy = path_ + ".rt";
      std::remove(copy.c_str());
      const vknorm::Error w = vknorm::write_tuning_cache(copy, device_, out);
      std::vector<vknorm::TuningCacheEntry> back;
      const vknorm::Error r = w.ok() ? vknorm::read_tuning_cache(copy, &back) : w;
      std::remove(copy.c_str());
      if (!r.ok()) violation(i, "an accepted cache does not survive write + read: " + r.message, text);
    }
  }

  void shape_text(Rng& rng, uint64_t i) {
    std::string text;
    switch (rng.below(3)) {
      case 0: text = random_bytes(rng, 24); break;
      case 1: text = token_soup(rng); break;
      default: text = mutate(rng, "3x65535x7"); break;
    }
    std::vector<int64_t> shape;
    if (vknorm_support::parse_shape(text, &shape)) {
      ++st_->accepted;
      std::vector<int64_t> again;
      if (!vknorm_support::parse_shape(vknorm_support::shape_string(shape), &again) || again != shape)
        violation(i, "parse_shape(shape_string(s)) does not give s back", text);
    }
    vknorm::DType dt;
    (void)vknorm_support::parse_dtype(text, &dt);
    vknorm_support::DataKind kind;
    (void)vknorm_support::parse_data_kind(text, &kind);
  }

  void json_text(Rng& rng, uint64_t i) {
    const std::string text = rng.chance(20) ? random_bytes(rng, 128) : mutate(rng, valid_cache_);
    vknorm_support::Json j;
    std::string err;
    if (!vknorm_support::Json::parse(text, &j, &err)) return;
    ++st_->accepted;
    vknorm_support::Json again;
    if (!vknorm_support::Json::parse(j.dump(), &again, &err) || again.dump() != j.dump())
      violation(i, "Json::parse(dump(j)) does not give j back", text);
  }

  const vknorm::DeviceInfo& device_;
  uint64_t seed_;
  ParserFuzzStats* st_;
  std::string path_;
  std::string valid_cache_;
};

}  // namespace

void run_parser_fuzz(const vknorm::DeviceInfo& device, uint64_t inputs, uint64_t seed,
                     const std::string& dir, ParserFuzzStats* stats) {
  ParserFuzzer f(device, seed, dir, stats);
  f.run(inputs);
}

}  // namespace vknorm_fuzz
