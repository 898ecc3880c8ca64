// libseccomp (Debian: libseccomp-dev), which berth-init builds the container's seccomp
// filter with. Only the non-variadic calls are used from Swift (seccomp_rule_add_array).
#include <seccomp.h>
