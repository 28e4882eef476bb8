// JSON value, writer and strict (RFC 8259) parser. See json.h.
//
// Writer: numbers use the shortest representation that round-trips (std::to_chars, locale
// independent); NaN and +-Inf, which JSON cannot express, are written as null. Strings are
// escaped per RFC 8259; invalid UTF-8 bytes are replaced by U+FFFD so the output always parses.
// Parser: strict grammar (no comments, trailing commas, single quotes, leading '+', leading
// zeros, NaN/Infinity literals, or trailing garbage), validates UTF-8 and \u escapes (surrogate
// pairs must be complete), rejects duplicate object keys and nesting deeper than 512.
#include "support/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>

namespace vknorm_support {

Json::Json(bool b) : type_(Type::boolean), bool_(b) {}
Json::Json(double d) : type_(Type::number), number_(d) {}
Json::Json(int v) : type_(Type::number), number_(static_cast<double>(v)) {}
Json::Json(int64_t v) : type_(Type::number), number_(static_cast<double>(v)) {}
Json::Json(uint64_t v) : type_(Type::number), number_(static_cast<double>(v)) {}
Json::Json(uint32_t v) : type_(Type::number), number_(static_cast<double>(v)) {}
Json::Json(const char* s) : type_(s ? Type::string : Type::null), string_(s ? s : "") {}
Json::Json(std::string s) : type_(Type::string), string_(std::move(s)) {}

Json Json::array() {
  Json j;
  j.type_ = Type::array;
  return j;
}

Json Json::object() {
  Json j;
  j.type_ = Type::object;
  return j;
}

bool Json::as_bool(bool fallback) const { return type_ == Type::boolean ? bool_ : fallback; }
double Json::as_number(double fallback) const {
  return type_ == Type::number ? number_ : fallback;
}
std::string Json::as_string(const std::string& fallback) const {
  return type_ == Type::string ? string_ : fallback;
}

Json& Json::operator[](const std::string& key) {
  if (type_ != Type::object) {
    *this = object();  // null (or any non-object) becomes an empty object
  }
  for (auto& kv : object_) {
    if (kv.first == key) return kv.second;
  }
  object_.emplace_back(key, Json());
  return object_.back().second;
}

const Json* Json::find(const std::string& key) const {
  if (type_ != Type::object) return nullptr;
  for (const auto& kv : object_) {
    if (kv.first == key) return &kv.second;
  }
  return nullptr;
}

void Json::push_back(Json v) {
  if (type_ != Type::array) *this = array();
  array_.push_back(std::move(v));
}

size_t Json::size() const {
  if (type_ == Type::array) return array_.size();
  if (type_ == Type::object) return object_.size();
  return 0;
}

const Json& Json::at(size_t i) const {
  static const Json null_value;
  if (type_ == Type::array && i < array_.size()) return array_[i];
  if (type_ == Type::object && i < object_.size()) return object_[i].second;
  return null_value;
}

// ---------------------------------------------------------------------------------------------
// Writer

namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t utf8_sequence_length(const std::string& s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const unsigned char cc = byte(i + k);
    if ((cc & 0xC0u) != 0x80u) return 0;
    cp = (cp << 6) | (cc & 0x3Fu);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;  // encoded surrogates are not valid UTF-8
  return len;
}

void write_string(const std::string& s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"': *out += "\\\""; ++i; continue;
      case '\\': *out += "\\\\"; ++i; continue;
      case '\b': *out += "\\b"; ++i; continue;
      case '\f': *out += "\\f"; ++i; continue;
      case '\n': *out += "\\n"; ++i; continue;
      case '\r': *out += "\\r"; ++i; continue;
      case '\t': *out += "\\t"; ++i; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      *out += buf;
      ++i;
      continue;
    }
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) {
      *out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not valid UTF-8
      ++i;
    } else {
      out->append(s, i, len);
      i += len;
    }
  }
  out->push_back('"');
}

void write_number(double d, std::string* out) {
  if (!std::isfinite(d)) {
    *out += "null";
    return;
  }
  if (d == 0) {  // also -0: "-0" is valid JSON but surprising in reports
    *out += std::signbit(d) ? "-0" : "0";
    return;
  }
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest round-trip form
  out->append(buf, r.ptr);
}

void newline(int indent, int depth, std::string* out) {
  if (indent < 0) return;
  out->push_back('\n');
  out->append(static_cast<size_t>(indent) * static_cast<size_t>(depth), ' ');
}

}  // namespace

namespace {
struct Writer {
  static void write(const Json& j, int indent, int depth, std::string* out) {
    switch (j.type()) {
      case Json::Type::null: *out += "null"; break;
      case Json::Type::boolean: *out += j.as_bool() ? "true" : "false"; break;
      case Json::Type::number: write_number(j.as_number(), out); break;
      case Json::Type::string: write_string(j.as_string(), out); break;
      case Json::Type::array: {
        if (j.size() == 0) {
          *out += "[]";
          break;
        }
        out->push_back('[');
        for (size_t i = 0; i < j.size(); ++i) {
          if (i) out->push_back(',');
          newline(indent, depth + 1, out);
          write(j.at(i), indent, depth + 1, out);
        }
        newline(indent, depth, out);
        out->push_back(']');
        break;
      }
      case Json::Type::object: {
        if (j.size() == 0) {
          *out += "{}";
          break;
        }
        out->push_back('{');
        bool first = true;
        for (const auto& kv : j.items()) {
          if (!first) out->push_back(',');
          first = false;
          newline(indent, depth + 1, out);
          write_string(kv.first, out);
          *out += indent < 0 ? ":" : ": ";
          write(kv.second, indent, depth + 1, out);
        }
        newline(indent, depth, out);
        out->push_back('}');
        break;
      }
    }
  }
};
}  // namespace

std::string Json::dump(int indent) const {
  std::string out;
  Writer::write(*this, indent, 0, &out);
  if (indent >= 0) out.push_back('\n');
  return out;
}

// ---------------------------------------------------------------------------------------------
// Parser

namespace {

constexpr int kMaxDepth = 512;

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  bool parse_document(Json* out, std::string* error) {
    skip_ws();
    if (!parse_value(out, 0)) {
      report(error);
      return false;
    }
    skip_ws();
    if (pos_ != s_.size()) {
      fail("unexpected characters after the JSON value");
      report(error);
      return false;
    }
    return true;
  }

 private:
  const std::string& s_;
  size_t pos_ = 0;
  std::string message_;
  size_t error_pos_ = 0;

  bool fail(const std::string& msg) {
    if (message_.empty()) {
      message_ = msg;
      error_pos_ = pos_;
    }
    return false;
  }

  void report(std::string* error) const {
    if (!error) return;
    size_t line = 1, col = 1;
    for (size_t i = 0; i < error_pos_ && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    *error = "JSON parse error at line " + std::to_string(line) + ", column " +
             std::to_string(col) + " (offset " + std::to_string(error_pos_) + "): " + message_;
  }

  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }

  void skip_ws() {
    while (!at_end()) {
      const char c = s_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++pos_;
      } else {
        break;
      }
    }
  }

  bool expect_literal(const char* lit) {
    const size_t n = std::strlen(lit);
    if (s_.compare(pos_, n, lit) != 0) return fail(std::string("invalid literal (expected '") + lit + "')");
    pos_ += n;
    return true;
  }

  bool parse_value(Json* out, int depth) {
    if (depth > kMaxDepth) return fail("nesting deeper than 512 levels");
    if (at_end()) return fail("unexpected end of input (expected a value)");
    const char c = peek();
    switch (c) {
      case '{': return parse_object(out, depth);
      case '[': return parse_array(out, depth);
      case '"': {
        std::string str;
        if (!parse_string(&str)) return false;
        *out = Json(std::move(str));
        return true;
      }
      case 't':
        if (!expect_literal("true")) return false;
        *out = Json(true);
        return true;
      case 'f':
        if (!expect_literal("false")) return false;
        *out = Json(false);
        return true;
      case 'n':
        if (!expect_literal("null")) return false;
        *out = Json();
        return true;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return parse_number(out);
        return fail(std::string("unexpected character '") + printable(c) + "'");
    }
  }

  static std::string printable(char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7F) return std::string(1, c);
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(u));
    return buf;
  }

  bool parse_object(Json* out, int depth) {
    ++pos_;  // '{'
    Json obj = Json::object();
    skip_ws();
    if (peek() == '}') {
      ++pos_;
      *out = std::move(obj);
      return true;
    }
    for (;;) {
      skip_ws();
      if (peek() != '"') return fail("expected a string key in object");
      std::string key;
      if (!parse_string(&key)) return false;
      if (obj.find(key)) return fail("duplicate object key \"" + key + "\"");
      skip_ws();
      if (peek() != ':') return fail("expected ':' after object key");
      ++pos_;
      skip_ws();
      Json value;
      if (!parse_value(&value, depth + 1)) return false;
      obj[key] = std::move(value);
      skip_ws();
      const char c = peek();
      if (c == ',') {
        ++pos_;
        skip_ws();
        if (peek() == '}') return fail("trailing comma in object");
        continue;
      }
      if (c == '}') {
        ++pos_;
        break;
      }
      return fail(at_end() ? "unexpected end of input in object" : "expected ',' or '}' in object");
    }
    *out = std::move(obj);
    return true;
  }

  bool parse_array(Json* out, int depth) {
    ++pos_;  // '['
    Json arr = Json::array();
    skip_ws();
    if (peek() == ']') {
      ++pos_;
      *out = std::move(arr);
      return true;
    }
    for (;;) {
      skip_ws();
      Json value;
      if (!parse_value(&value, depth + 1)) return false;
      arr.push_back(std::move(value));
      skip_ws();
      const char c = peek();
      if (c == ',') {
        ++pos_;
        skip_ws();
        if (peek() == ']') return fail("trailing comma in array");
        continue;
      }
      if (c == ']') {
        ++pos_;
        break;
      }
      return fail(at_end() ? "unexpected end of input in array" : "expected ',' or ']' in array");
    }
    *out = std::move(arr);
    return true;
  }

  bool parse_hex4(uint32_t* out) {
    if (pos_ + 4 > s_.size()) return fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_ + static_cast<size_t>(i)];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return fail("invalid hex digit in \\u escape");
      }
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  static void append_utf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  bool parse_string(std::string* out) {
    ++pos_;  // opening quote
    out->clear();
    for (;;) {
      if (at_end()) return fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return fail("unescaped control character in string");
      if (c == '\\') {
        ++pos_;
        if (at_end()) return fail("unterminated escape in string");
        const char e = s_[pos_++];
        switch (e) {
          case '"': out->push_back('"'); break;
          case '\\': out->push_back('\\'); break;
          case '/': out->push_back('/'); break;
          case 'b': out->push_back('\b'); break;
          case 'f': out->push_back('\f'); break;
          case 'n': out->push_back('\n'); break;
          case 'r': out->push_back('\r'); break;
          case 't': out->push_back('\t'); break;
          case 'u': {
            uint32_t cp = 0;
            if (!parse_hex4(&cp)) return false;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
              if (s_.compare(pos_, 2, "\\u") != 0) return fail("unpaired high surrogate in \\u escape");
              pos_ += 2;
              uint32_t lo = 0;
              if (!parse_hex4(&lo)) return false;
              if (lo < 0xDC00 || lo > 0xDFFF) return fail("invalid low surrogate in \\u escape");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
              return fail("unpaired low surrogate in \\u escape");
            }
            append_utf8(cp, out);
            break;
          }
          default:
            --pos_;
            return fail(std::string("invalid escape '\\") + printable(e) + "'");
        }
        continue;
      }
      const size_t len = utf8_sequence_length(s_, pos_);
      if (len == 0) return fail("invalid UTF-8 in string");
      out->append(s_, pos_, len);
      pos_ += len;
    }
  }

  static bool is_digit(char c) { return c >= '0' && c <= '9'; }

  // For a grammar-checked number that from_chars found out of range: true when it is too
  // large (overflow), false when too small (underflow). Uses the decimal exponent of its
  // leading significant digit, which is far from 0 in either case.
  static bool is_overflow(const char* p, const char* end) {
    if (p < end && *p == '-') ++p;
    long lead = 0;  // decimal exponent of the first non-zero digit, plus one
    bool found = false;
    const char* q = p;
    for (; q < end && is_digit(*q); ++q) {
      if (!found && *q != '0') {
        found = true;
        lead = 0;
      }
      if (found) ++lead;
    }
    if (q < end && *q == '.') {
      ++q;
      long frac = 0;
      for (; q < end && is_digit(*q); ++q) {
        ++frac;
        if (!found && *q != '0') {
          found = true;
          lead = 1 - frac;
        }
      }
    }
    if (!found) return false;
    long exp = 0;
    if (q < end && (*q == 'e' || *q == 'E')) {
      ++q;
      bool neg = false;
      if (q < end && (*q == '+' || *q == '-')) neg = *q++ == '-';
      for (; q < end && is_digit(*q); ++q) {
        if (exp < 100000000) exp = exp * 10 + (*q - '0');
      }
      if (neg) exp = -exp;
    }
    return lead + exp > 0;
  }

  bool parse_number(Json* out) {
    const size_t start = pos_;
    if (peek() == '-') ++pos_;
    if (peek() == '0') {
      ++pos_;
      if (is_digit(peek())) return fail("leading zero in number");
    } else if (is_digit(peek())) {
      while (is_digit(peek())) ++pos_;
    } else {
      return fail("expected digit in number");
    }
    if (peek() == '.') {
      ++pos_;
      if (!is_digit(peek())) return fail("expected digit after decimal point");
      while (is_digit(peek())) ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      ++pos_;
      if (peek() == '+' || peek() == '-') ++pos_;
      if (!is_digit(peek())) return fail("expected digit in exponent");
      while (is_digit(peek())) ++pos_;
    }
    double v = 0;
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    const auto r = std::from_chars(first, last, v);
    if (r.ec == std::errc::result_out_of_range) {
      // from_chars leaves v unspecified. Underflow becomes (signed) zero; overflow is an error
      // (JSON cannot hold the +-Inf it would saturate to). Decide by the decimal magnitude.
      if (is_overflow(first, last)) {
        pos_ = start;
        return fail("number out of range");
      }
      v = *first == '-' ? -0.0 : 0.0;
    } else if (r.ec != std::errc() || r.ptr != last) {
      pos_ = start;
      return fail("invalid number");
    }
    *out = Json(v);
    return true;
  }
};

}  // namespace

bool Json::parse(const std::string& text, Json* out, std::string* error) {
  Json value;
  Parser p(text);
  if (!p.parse_document(&value, error)) return false;
  if (out) *out = std::move(value);
  return true;
}

bool read_text_file(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) return false;
  *out = ss.str();
  return true;
}

bool write_text_file(const std::string& path, const std::string& text) {
  // Write to a temporary file next to the target and rename, so readers never see half a file.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return false;
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.flush();
    if (!f) {
      f.close();
      std::remove(tmp.c_str());
      return false;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace vknorm_support
