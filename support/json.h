// A small JSON value with a writer and a parser, for the tools' --json reports, --compare and
// the tuning cache. Objects keep insertion order.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace vknorm_support {

class Json {
 public:
  enum class Type { null, boolean, number, string, array, object };
  Json() = default;
  Json(std::nullptr_t) {}
  Json(bool b);
  Json(double d);
  Json(int v);
  Json(int64_t v);
  Json(uint64_t v);
  Json(uint32_t v);
  Json(const char* s);
  Json(std::string s);
  static Json array();
  static Json object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::null; }
  bool is_number() const { return type_ == Type::number; }
  bool is_string() const { return type_ == Type::string; }
  bool is_array() const { return type_ == Type::array; }
  bool is_object() const { return type_ == Type::object; }
  bool as_bool(bool fallback = false) const;
  double as_number(double fallback = 0) const;
  std::string as_string(const std::string& fallback = "") const;

  // Object access: operator[] inserts (turning a null into an object); find returns nullptr.
  Json& operator[](const std::string& key);
  const Json* find(const std::string& key) const;
  const std::vector<std::pair<std::string, Json>>& items() const { return object_; }
  // Array access.
  void push_back(Json v);
  size_t size() const;  // array or object element count
  const Json& at(size_t i) const;

  std::string dump(int indent = 2) const;  // indent < 0: one line
  static bool parse(const std::string& text, Json* out, std::string* error);

 private:
  Type type_ = Type::null;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<Json> array_;
  std::vector<std::pair<std::string, Json>> object_;
};

bool read_text_file(const std::string& path, std::string* out);
bool write_text_file(const std::string& path, const std::string& text);

}  // namespace vknorm_support
