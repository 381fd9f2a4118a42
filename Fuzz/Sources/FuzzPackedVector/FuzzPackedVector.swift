// libFuzzer target: ModularVector(packedBytes:count:modulus:), the bit-packed vector decoder
// behind every masked input.
//
// Input: the PackedVectorInput format (FuzzSupport): a header choosing R (2^b or any R of b bits,
// b = 1...64) and the count (derived from the length, or any signed 64-bit value), then the bytes.
// Properties, against a plain bit-by-bit reference decoder written here:
// - the decoder accepts exactly the inputs the reference accepts (count ≥ 0 and count·b fits,
//   ⌈count·b / 8⌉ bytes, zero padding bits, every element below R), and never traps;
// - an accepted vector has the count, the modulus and the reference's elements, all below R;
// - packedBytes() gives back the input bytes, and ModularVector(elements, modulus:) an equal vector.

import FuzzSupport
import SecureAggregation

/// Bit `index` of the little-endian bit stream `bytes`.
@inline(__always)
func bit(_ bytes: [UInt8], _ index: Int) -> UInt64 {
  UInt64(bytes[index / 8] >> UInt8(index % 8)) & 1
}

/// The elements the reference reads, or `nil` when it refuses the input.
func referenceDecode(_ input: PackedVectorInput) -> [UInt64]? {
  let bitWidth = input.modulus.elementBitWidth
  guard input.count >= 0 else { return nil }
  let (bitCount, overflow) = input.count.multipliedReportingOverflow(by: bitWidth)
  // ⌈bitCount / 8⌉ without overflow: bitCount may be close to Int.max.
  guard !overflow, input.bytes.count == bitCount / 8 + (bitCount % 8 == 0 ? 0 : 1) else {
    return nil
  }
  for index in bitCount..<(input.bytes.count * 8) where bit(input.bytes, index) != 0 {
    return nil
  }
  var elements: [UInt64] = []
  elements.reserveCapacity(input.count)
  for element in 0..<input.count {
    var value: UInt64 = 0
    for offset in 0..<bitWidth {
      value |= bit(input.bytes, element * bitWidth + offset) << UInt64(offset)
    }
    guard input.modulus.contains(value) else { return nil }
    elements.append(value)
  }
  return elements
}

/// Runs one input (`size` bytes at `data`); libFuzzer calls it, and any trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPackedVector(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  guard let input = PackedVectorInput(fuzzInput(data, size)) else { return 0 }
  let reference = referenceDecode(input)
  let vector: ModularVector
  do {
    vector = try ModularVector(packedBytes: input.bytes, count: input.count, modulus: input.modulus)
  } catch {
    guard reference == nil else {
      fuzzFailure(
        "refused \(input.bytes.count) bytes of \(input.count) elements mod \(input.modulus) that "
          + "the reference accepts: \(error)")
    }
    return 0
  }
  guard let reference else {
    fuzzFailure(
      "accepted \(input.bytes.count) bytes of \(input.count) elements mod \(input.modulus) that "
        + "the reference refuses")
  }
  guard vector.count == input.count, vector.modulus == input.modulus else {
    fuzzFailure("decoded \(vector.count) elements mod \(vector.modulus)")
  }
  let elements = vector.elements
  guard elements == reference else {
    fuzzFailure("elements differ from the reference's, mod \(input.modulus)")
  }
  guard vector.packedBytes() == input.bytes else {
    fuzzFailure("packedBytes() does not give back the decoded bytes, mod \(input.modulus)")
  }
  do {
    guard try ModularVector(elements, modulus: input.modulus) == vector else {
      fuzzFailure("ModularVector(elements:) differs from the decoded vector")
    }
  } catch {
    fuzzFailure("the decoded elements are refused by ModularVector(_:modulus:): \(error)")
  }
  return 0
}
