// Forwarding header: bench/ includes "src/tuning_cache.h" for the tuning-cache writer. The cache
// lives in src/core/; this header goes once the public writer replaces that include.
#pragma once
#include "core/tuning_cache.h"
