// glibc's mallopt (Linux only; the CLI imports this module on Linux alone).
#include <malloc.h>
