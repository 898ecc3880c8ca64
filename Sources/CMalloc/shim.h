// glibc's malloc statistics and trimming (mallinfo2, malloc_trim), which Swift's Glibc module
// does not carry. Used by `berth serve` to return freed memory to the operating system.
#include <malloc.h>
