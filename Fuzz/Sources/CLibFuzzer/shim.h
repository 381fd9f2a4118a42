// libFuzzer's driver entry point (compiler-rt, FuzzerInterface.h; in libFuzzer since LLVM 11).
// Linked in by -sanitize=fuzzer; each fuzz target's main calls it with its test function.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv,
                        int (*UserCb)(const uint8_t *Data, size_t Size));
