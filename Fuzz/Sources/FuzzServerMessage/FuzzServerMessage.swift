// libFuzzer target: ServerMessage(serializedBytes:configuration:), a client's decoder of
// everything the (untrusted) server sends.
//
// Input: byte 0 picks one of FuzzConfigurations.all; the rest is the message.
// Properties: decoding never traps; a message that decodes re-encodes to bytes that decode to an
// equal message, and encoding that message again gives the same bytes.

import FuzzSupport
import SecureAggregation

/// Runs one input (`size` bytes at `data`); libFuzzer calls it, and any trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzServerMessage(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let input = fuzzInput(data, size)
  guard let selector = input.first else { return 0 }
  let configuration = FuzzConfigurations.configuration(selectedBy: selector)
  let bytes = Array(input.dropFirst())
  guard let message = try? ServerMessage(serializedBytes: bytes, configuration: configuration)
  else { return 0 }
  let encoded = message.serializedBytes()
  let decoded: ServerMessage
  do {
    decoded = try ServerMessage(serializedBytes: encoded, configuration: configuration)
  } catch {
    fuzzFailure("a decoded server message re-encodes to bytes that do not decode: \(error)")
  }
  guard decoded == message else {
    fuzzFailure("a server message changes in a round trip: \(message) → \(decoded)")
  }
  guard decoded.serializedBytes() == encoded else {
    fuzzFailure("a server message's encoding is not stable across a round trip")
  }
  return 0
}
