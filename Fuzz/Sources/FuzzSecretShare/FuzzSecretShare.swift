// libFuzzer target: SecretShare(serialized:), the parser of a Shamir share once its sealed box
// is opened (a peer chose those bytes).
//
// Input: the serialized share, copied into SecureBytes.
// Properties, against a reference validity check written here: the parser accepts exactly the
// inputs with a nonzero id, a secret length in 1...65535, 6 + 8·⌈length / 7⌉ bytes and every
// 8-byte little-endian element below 2^61 − 1, and never traps; an accepted share has the header's
// id and length, serializes back to the input, and parses again to an equal share.

import FuzzSupport
import SecureAggregation

/// Whether the reference accepts `bytes` as a serialized share.
func referenceAccepts(_ bytes: [UInt8]) -> Bool {
  guard bytes.count >= 6 else { return false }
  let id = Int(bytes[0]) << 8 | Int(bytes[1])
  let length = bytes[2..<6].reduce(0) { $0 << 8 | Int($1) }
  guard id != 0, (1...65535).contains(length), bytes.count == 6 + 8 * ((length + 6) / 7) else {
    return false
  }
  let prime: UInt64 = (1 << 61) - 1
  for start in stride(from: 6, to: bytes.count, by: 8) {
    var element: UInt64 = 0
    for offset in 0..<8 { element |= UInt64(bytes[start + offset]) << (8 * UInt64(offset)) }
    guard element < prime else { return false }
  }
  return true
}

/// Runs one input (`size` bytes at `data`); libFuzzer calls it, and any trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSecretShare(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = fuzzInput(data, size)
  let accepts = referenceAccepts(bytes)
  let share: SecretShare
  do {
    share = try SecretShare(serialized: SecureBytes(bytes))
  } catch {
    guard !accepts else { fuzzFailure("refused a share the reference accepts: \(error)") }
    return 0
  }
  guard accepts else { fuzzFailure("accepted \(bytes.count) bytes the reference refuses") }
  let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
  let length = bytes[2..<6].reduce(0) { $0 << 8 | Int($1) }
  guard share.id == id, share.secretByteCount == length else {
    fuzzFailure(
      "parsed id \(share.id) and length \(share.secretByteCount); header has \(id), \(length)")
  }
  let serialized = share.serialized
  guard serialized == SecureBytes(bytes) else {
    fuzzFailure("serialized does not give back the parsed bytes")
  }
  do {
    guard try SecretShare(serialized: serialized) == share else {
      fuzzFailure("a share changes in a round trip")
    }
  } catch {
    fuzzFailure("a serialized share does not parse: \(error)")
  }
  return 0
}
