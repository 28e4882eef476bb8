// doctest main for vknorm_tests: runs the suite, then destroys the shared devices before the
// process exits (not from static destructors, which may run after the driver is torn down).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include "support/mesa_cache.h"

namespace vknorm_test {
void release_devices();
}

int main(int argc, char** argv) {
  vknorm_support::use_per_width_mesa_cache();  // before any device exists
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  const int rc = context.run();
  vknorm_test::release_devices();
  return rc;
}
