// The executable's entry point hands control to libFuzzer's driver (see Fuzz/README.md, "Why a
// main.swift"); the test function is fuzzClientMessage.
import CLibFuzzer

#if canImport(Glibc)
  import Glibc
#endif

var arguments = CommandLine.argc
var argumentValues: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argumentValues, fuzzClientMessage))
