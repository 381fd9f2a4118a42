// libFuzzer target: ClientMessage(serializedBytes:configuration:), the server's decoder of
// everything a client sends.
//
// Input: byte 0 picks one of FuzzConfigurations.all; the rest is the message.
// Properties: decoding never traps; a message that decodes re-encodes (serializedBytes(), the
// fast path for masked inputs) to bytes that decode to an equal message, and encoding that
// message again gives the same bytes.

import FuzzSupport
import SecureAggregation

/// Runs one input (`size` bytes at `data`); libFuzzer calls it, and any trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzClientMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = fuzzInput(data, size)
  guard let selector = input.first else { return 0 }
  let configuration = FuzzConfigurations.configuration(selectedBy: selector)
  let bytes = Array(input.dropFirst())
  guard let message = try? ClientMessage(serializedBytes: bytes, configuration: configuration)
  else { return 0 }
  let encoded = message.serializedBytes()
  let decoded: ClientMessage
  do {
    decoded = try ClientMessage(serializedBytes: encoded, configuration: configuration)
  } catch {
    fuzzFailure("a decoded client message re-encodes to bytes that do not decode: \(error)")
  }
  guard decoded == message else {
    fuzzFailure("a client message changes in a round trip: \(message) → \(decoded)")
  }
  guard decoded.serializedBytes() == encoded else {
    fuzzFailure("a client message's encoding is not stable across a round trip")
  }
  return 0
}
