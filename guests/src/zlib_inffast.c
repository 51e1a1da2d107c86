/* zlib_inffast.c - zlib's inffast.c as its own translation unit of the zlib guest
 * (see zlib_inftrees.c). */
#include "zlib_config.h"
#include "../third_party/zlib/inffast.c"
