import AggregationCrypto
import Testing

@Suite struct SealedBoxTests {
  private let key = SymmetricKey(randomByteCount: 32)
  private let associatedData = Array("sender=1|recipient=2|session=abc|round=1".utf8)
  private let plaintext = SecureBytes((0..<40).map { UInt8($0) })

  @Test func roundTrip() throws {
    let box = try SealedBox.seal(plaintext, using: key, associatedData: associatedData)
    #expect(box.combined.count == plaintext.count + SealedBox.overheadByteCount)
    #expect(try box.open(using: key, associatedData: associatedData) == plaintext)
    let reloaded = try SealedBox(combined: box.combined)
    #expect(try reloaded.open(using: key, associatedData: associatedData) == plaintext)
    // A fresh random nonce each time: sealing twice never gives the same bytes.
    #expect(try SealedBox.seal(plaintext, using: key, associatedData: associatedData) != box)
  }

  // Every single-bit change to the nonce, ciphertext or tag is rejected.
  @Test func everyBitFlipOfTheBoxIsRejected() throws {
    let box = try SealedBox.seal(plaintext, using: key, associatedData: associatedData)
    #expect(box.combined.count == 40 + 40)
    for bit in 0..<(box.combined.count * 8) {
      var tampered = box.combined
      tampered[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
      let candidate = try SealedBox(combined: tampered)
      #expect(throws: AggregationCryptoError.authenticationFailure) {
        try candidate.open(using: key, associatedData: associatedData)
      }
    }
  }

  // Every single-bit change to the associated data is rejected.
  @Test func everyBitFlipOfTheAssociatedDataIsRejected() throws {
    let box = try SealedBox.seal(plaintext, using: key, associatedData: associatedData)
    for bit in 0..<(associatedData.count * 8) {
      var tampered = associatedData
      tampered[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
      #expect(throws: AggregationCryptoError.authenticationFailure) {
        try box.open(using: key, associatedData: tampered)
      }
    }
    // Dropping or appending associated data is rejected too.
    #expect(throws: AggregationCryptoError.authenticationFailure) {
      try box.open(using: key, associatedData: Array(associatedData.dropLast()))
    }
    #expect(throws: AggregationCryptoError.authenticationFailure) {
      try box.open(using: key, associatedData: associatedData + [0])
    }
  }

  @Test func wrongKeyTruncationAndBadSizesAreRejected() throws {
    let box = try SealedBox.seal(plaintext, using: key, associatedData: associatedData)
    #expect(throws: AggregationCryptoError.authenticationFailure) {
      try box.open(using: SymmetricKey(randomByteCount: 32), associatedData: associatedData)
    }
    let truncated = try SealedBox(combined: Array(box.combined.dropLast()))
    #expect(throws: AggregationCryptoError.authenticationFailure) {
      try truncated.open(using: key, associatedData: associatedData)
    }
    #expect(
      throws: AggregationCryptoError.inputTooShort(parameter: "sealed box", minimum: 40, actual: 39)
    ) { try SealedBox(combined: [UInt8](repeating: 0, count: 39)) }
    #expect(throws: AggregationCryptoError.self) {
      try SealedBox.seal(plaintext, using: SymmetricKey(randomByteCount: 16), associatedData: [])
    }
  }

  // A box sealed for (sender, recipient, session, round) opens for exactly that tuple.
  @Test func associatedDataBindsEveryField() throws {
    let session = [UInt8](repeating: 7, count: 32)
    let bound = SealedBox.associatedData(
      purpose: "key-share", sender: 1, recipient: 2, session: session, round: 1)
    let box = try SealedBox.seal(plaintext, using: key, associatedData: bound)
    #expect(try box.open(using: key, associatedData: bound) == plaintext)
    let others = [
      SealedBox.associatedData(
        purpose: "key-share", sender: 2, recipient: 1, session: session, round: 1),
      SealedBox.associatedData(
        purpose: "key-share", sender: 1, recipient: 3, session: session, round: 1),
      SealedBox.associatedData(
        purpose: "key-share", sender: 1, recipient: 2, session: session, round: 2),
      SealedBox.associatedData(
        purpose: "key-share", sender: 1, recipient: 2, session: [UInt8](repeating: 8, count: 32),
        round: 1),
      SealedBox.associatedData(
        purpose: "other", sender: 1, recipient: 2, session: session, round: 1),
    ]
    #expect(Set(others + [bound]).count == others.count + 1)
    for other in others {
      #expect(throws: AggregationCryptoError.authenticationFailure) {
        try box.open(using: key, associatedData: other)
      }
    }
  }

  @Test func emptyPlaintextAndAssociatedDataWork() throws {
    let box = try SealedBox.seal(SecureBytes(zeroedCount: 0), using: key, associatedData: [])
    #expect(box.combined.count == SealedBox.overheadByteCount)
    #expect(try box.open(using: key, associatedData: []).isEmpty)
  }
}
