// base: CHECK for invariants (always on) and DCHECK for hot loops (debug builds only).
#pragma once

#include <cstdio>
#include <cstdlib>

#define HEARTH_CHECK(cond)                                                          \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                 \
    }                                                                               \
  } while (0)

#ifdef NDEBUG
#define HEARTH_DCHECK(cond) \
  do {                      \
  } while (0)
#else
#define HEARTH_DCHECK(cond) HEARTH_CHECK(cond)
#endif
