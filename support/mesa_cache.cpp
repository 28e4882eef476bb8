// Mesa's shader cache, one directory per lane width (see mesa_cache.h).
#include "support/mesa_cache.h"

#include <cstdlib>
#include <filesystem>
#include <string>
namespace fs = std::filesystem;

namespace vknorm_support {

const char* use_per_width_mesa_cache() {
  static std::string dir;  // setenv copies, the caller may print it
  const char* root = std::getenv("VKNORM_TEST_MESA_CACHE");
  if (!root || !*root) return nullptr;
  const char* width = std::getenv("LP_NATIVE_VECTOR_WIDTH");
  dir = std::string(root) + "/lp" + (width && *width ? width : "-default");
  // Mesa creates only the last component of the path; a missing parent disables the cache.
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return nullptr;  // no cache then, as without the variable
  setenv("MESA_SHADER_CACHE_DIR", dir.c_str(), 1);
  setenv("MESA_SHADER_CACHE_DISABLE", "false", 1);
  return dir.c_str();
}

}  // namespace vknorm_support
