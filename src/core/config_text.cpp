// parse_config: the reading half of KernelConfig's one text form (to_string in names.cpp
// writes it). Standard library only; numbers are read with from_chars, so the locale does not
// matter.
#include <vknorm/vknorm.h>

#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>

namespace vknorm {
namespace {

struct ConfigKey {
  const char* short_name;  // as to_string writes it
  const char* long_name;   // as KernelConfig spells the field
  uint32_t KernelConfig::*u32;
  uint64_t KernelConfig::*u64;
};

const ConfigKey kKeys[] = {
    {"wg", "workgroup_size", &KernelConfig::workgroup_size, nullptr},
    {"items", "items_per_invocation", &KernelConfig::items_per_invocation, nullptr},
    {"vec", "vector_width", &KernelConfig::vector_width, nullptr},
    {"csplit", "channel_split", &KernelConfig::channel_split, nullptr},
    {"split", "split", &KernelConfig::split, nullptr},
    {"rows", "rows_per_workgroup", &KernelConfig::rows_per_workgroup, nullptr},
    {"wave", "wave_bytes", nullptr, &KernelConfig::wave_bytes},
};
constexpr size_t kKeyCount = sizeof(kKeys) / sizeof(kKeys[0]);

const char* known_keys() {
  return "wg|workgroup_size, items|items_per_invocation, vec|vector_width, "
         "csplit|channel_split, split, rows|rows_per_workgroup, wave|wave_bytes";
}

bool is_separator(char c) {
  return c == ',' || std::isspace(static_cast<unsigned char>(c));
}

Error bad(const std::string& text, const std::string& what) {
  return Error{Status::invalid_argument, "config '" + text + "': " + what};
}

}  // namespace

Error parse_config(const std::string& text, KernelConfig* out) {
  if (!out) return Error{Status::invalid_argument, "parse_config: out is null"};
  KernelConfig c;
  bool seen[kKeyCount] = {};

  // The optional "(source)" closes the text: everything from the first '(' to the last ')'.
  std::string pairs = text;
  const size_t open = text.find('(');
  if (open != std::string::npos) {
    const size_t close = text.rfind(')');
    if (close == std::string::npos || close < open)
      return bad(text, "'(' without a closing ')'");
    for (size_t i = close + 1; i < text.size(); ++i)
      if (!is_separator(text[i])) return bad(text, "text after the (source)");
    c.source = text.substr(open + 1, close - open - 1);
    pairs = text.substr(0, open);
  } else if (text.find(')') != std::string::npos) {
    return bad(text, "')' without an opening '('");
  }

  size_t i = 0;
  while (i < pairs.size()) {
    if (is_separator(pairs[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < pairs.size() && !is_separator(pairs[end])) ++end;
    const std::string item = pairs.substr(i, end - i);
    i = end;

    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return bad(text, "'" + item + "' is not key=value");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    size_t k = 0;
    while (k < kKeyCount && key != kKeys[k].short_name && key != kKeys[k].long_name) ++k;
    if (k == kKeyCount)
      return bad(text, "unknown key '" + key + "' (known: " + known_keys() + ")");
    if (seen[k])
      return bad(text, std::string("'") + kKeys[k].long_name + "' is given twice");
    seen[k] = true;

    uint64_t v = 0;
    const char* first = value.data();
    const char* last = value.data() + value.size();
    const auto r = std::from_chars(first, last, v);
    if (value.empty() || r.ec == std::errc::invalid_argument || (r.ec == std::errc() && r.ptr != last))
      return bad(text, "the value '" + value + "' of '" + key + "' is not an unsigned integer");
    if (r.ec == std::errc::result_out_of_range || (kKeys[k].u32 && v > UINT32_MAX))
      return bad(text, "the value '" + value + "' of '" + key + "' is too large");
    if (kKeys[k].u32)
      c.*(kKeys[k].u32) = static_cast<uint32_t>(v);
    else
      c.*(kKeys[k].u64) = v;
  }
  *out = c;
  return Error{};
}

}  // namespace vknorm
