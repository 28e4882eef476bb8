// The autotune cache: a small line-oriented text file (format in tuning_cache.h).
// Standard library only: this file is part of the library, which has no JSON parser and no
// dependency on the tools' support code. Numbers are written and read with to_chars /
// from_chars, so the file does not depend on the process locale.
#include "tuning_cache.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

namespace vknorm::detail {
namespace {

constexpr const char* kHeader = "vknorm-tuning-cache";
constexpr int kFormatVersion = 1;

bool is_uuid_hex(const std::string& s) {
  if (s.size() != 2 * VK_UUID_SIZE) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

template <typename T>
bool parse_unsigned(const std::string& s, T* out) {
  if (s.empty()) return false;
  const char* first = s.data();
  const char* last = s.data() + s.size();
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    first += 2;
    base = 16;
  }
  T v{};
  auto r = std::from_chars(first, last, v, base);
  if (r.ec != std::errc() || r.ptr != last) return false;
  *out = v;
  return true;
}

bool parse_double(const std::string& s, double* out) {
  double v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return false;
  *out = v;
  return true;
}

std::string format_double(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 6);
  return std::string(buf, r.ptr);
}

std::string to_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Applies one key=value token to the entry; unknown keys are ignored. False: bad value.
bool apply_field(const std::string& key, const std::string& value, TuningEntry* e) {
  KernelConfig& c = e->config;
  if (key == "wg") return parse_unsigned(value, &c.workgroup_size);
  if (key == "items") return parse_unsigned(value, &c.items_per_invocation);
  if (key == "vec") return parse_unsigned(value, &c.vector_width);
  if (key == "csplit") return parse_unsigned(value, &c.channel_split);
  if (key == "split") return parse_unsigned(value, &c.split);
  if (key == "rows") return parse_unsigned(value, &c.rows_per_workgroup);
  if (key == "wave") return parse_unsigned(value, &c.wave_bytes);
  if (key == "tuned_ms") return parse_double(value, &e->tuned_ms);
  if (key == "baseline_ms") return parse_double(value, &e->baseline_ms);
  return true;
}

bool same_key(const TuningEntry& a, const TuningEntry& b) {
  return a.device_uuid == b.device_uuid && a.driver_version == b.driver_version &&
         a.case_class == b.case_class;
}

}  // namespace

std::string uuid_hex(const uint8_t uuid[VK_UUID_SIZE]) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * VK_UUID_SIZE);
  for (size_t i = 0; i < VK_UUID_SIZE; ++i) {
    s.push_back(digits[uuid[i] >> 4]);
    s.push_back(digits[uuid[i] & 15]);
  }
  return s;
}

bool TuningCache::load(const std::string& path, std::string* error) {
  entries_.clear();
  std::ifstream in(path);
  if (!in) {
    // A missing file is an empty cache; anything else that cannot be opened is an error.
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return true;
    std::fclose(f);
    if (error) *error = "tuning cache '" + path + "': cannot be read";
    return false;
  }
  auto fail = [&](int line_no, const std::string& what) {
    entries_.clear();
    if (error) *error = "tuning cache '" + path + "' line " + std::to_string(line_no) + ": " + what;
    return false;
  };
  bool header_seen = false;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream tokens(line);
    std::string first;
    if (!(tokens >> first) || first[0] == '#') continue;  // blank or comment
    if (!header_seen) {
      int version = 0;
      std::string version_text;
      if (first != kHeader || !(tokens >> version_text) || !parse_unsigned(version_text, &version))
        return fail(line_no, "expected the header 'vknorm-tuning-cache 1'");
      if (version != kFormatVersion)
        return fail(line_no, "unsupported format version " + std::to_string(version));
      header_seen = true;
      continue;
    }
    TuningEntry e;
    std::string driver_text;
    if (!is_uuid_hex(first)) return fail(line_no, "expected a 32-digit hex device UUID");
    e.device_uuid = to_lower(first);
    if (!(tokens >> driver_text) || !parse_unsigned(driver_text, &e.driver_version))
      return fail(line_no, "expected a driver version after the UUID");
    if (!(tokens >> e.case_class) || e.case_class.find('=') != std::string::npos)
      return fail(line_no, "expected a case class after the driver version");
    std::string field;
    while (tokens >> field) {
      size_t eq = field.find('=');
      if (eq == std::string::npos || eq == 0) return fail(line_no, "expected key=value, got '" + field + "'");
      if (!apply_field(field.substr(0, eq), field.substr(eq + 1), &e))
        return fail(line_no, "bad value in '" + field + "'");
    }
    e.config.source = "tuned";
    e.config.case_class = e.case_class;
    upsert(e);  // a later line for the same key wins
  }
  if (in.bad()) return fail(line_no, "read error");
  return true;
}

bool TuningCache::save(const std::string& path, std::string* error) const {
  // Write a sibling file, then rename it over the target: readers never see a partial file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) {
      if (error) *error = "tuning cache '" + tmp + "': cannot be written";
      return false;
    }
    out << kHeader << ' ' << kFormatVersion << '\n'
        << "# written by vknorm-bench --tune; one entry per line:\n"
        << "# <device-uuid> <driver-version> <case-class> key=value...\n";
    for (const TuningEntry& e : entries_) {
      const KernelConfig& c = e.config;
      out << e.device_uuid << ' ' << e.driver_version << ' ' << e.case_class
          << " wg=" << c.workgroup_size << " items=" << c.items_per_invocation
          << " vec=" << c.vector_width << " csplit=" << c.channel_split << " split=" << c.split
          << " rows=" << c.rows_per_workgroup << " wave=" << c.wave_bytes
          << " tuned_ms=" << format_double(e.tuned_ms)
          << " baseline_ms=" << format_double(e.baseline_ms) << '\n';
    }
    out.flush();
    if (!out) {
      if (error) *error = "tuning cache '" + tmp + "': write failed";
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    if (error) *error = "tuning cache '" + path + "': cannot replace the file";
    return false;
  }
  return true;
}

const KernelConfig* TuningCache::find(const std::string& device_uuid, uint32_t driver_version,
                                      const std::string& case_class) const {
  const std::string uuid = to_lower(device_uuid);
  for (const TuningEntry& e : entries_)
    if (e.device_uuid == uuid && e.driver_version == driver_version && e.case_class == case_class)
      return &e.config;
  return nullptr;
}

void TuningCache::upsert(const TuningEntry& e) {
  TuningEntry copy = e;
  copy.device_uuid = to_lower(copy.device_uuid);
  copy.config.source = "tuned";
  copy.config.case_class = copy.case_class;
  for (TuningEntry& existing : entries_) {
    if (same_key(existing, copy)) {
      existing = copy;
      return;
    }
  }
  entries_.push_back(copy);
}

}  // namespace vknorm::detail
