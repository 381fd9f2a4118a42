import Testing

@testable import SecureAggregation

/// The one-pass encoder of masked inputs writes exactly SwiftProtobuf's bytes.
@Suite struct FastEncodingTests {
  @Test(arguments: [1, 2, 3, 7, 8, 16, 20, 31, 32, 33, 57, 63, 64])
  func powerOfTwoModuliMatchSwiftProtobuf(bits: Int) throws {
    try check(modulus: Modulus(bitWidth: bits))
  }

  @Test(arguments: [2, 3, 255, 1_000_003, (1 << 61) - 1, UInt64.max - 58] as [UInt64])
  func otherModuliMatchSwiftProtobuf(value: UInt64) throws {
    try check(modulus: Modulus(value))
  }

  func check(modulus: Modulus) throws {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    for count in [1, 2, 5, 127, 128, 129, 1000, 20_000] {
      let values = (0..<count).map { _ -> UInt64 in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return modulus.value.map { state % $0 } ?? (state >> (64 - modulus.elementBitWidth))
      }
      let vector = try ModularVector(values, modulus: modulus)
      for sender in [1, 200, 65_535] {
        let id = try #require(ParticipantID(sender))
        let session = try SessionID(bytes: (0..<32).map { UInt8($0 * 7 & 0xFF) })
        let message = ClientMessage.maskedInput(
          MaskedInput(sessionID: session, sender: id, maskedInput: vector))
        #expect(
          message.serializedBytes() == message.protobufSerializedBytes(),
          "\(count) elements mod \(modulus), sender \(sender)")
      }
    }
  }
}
