/* zlib_inftrees.c - zlib's inftrees.c as its own translation unit of the zlib guest
 * (zlib's inflate headers have no include guards, so inftrees.c, inffast.c and
 * inflate.c cannot share one file). */
#include "zlib_config.h"
#include "../third_party/zlib/inftrees.c"
