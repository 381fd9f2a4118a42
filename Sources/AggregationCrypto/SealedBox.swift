internal import CSodium

/// An XChaCha20-Poly1305 authenticated ciphertext: nonce, ciphertext and tag, bound to associated
/// data.
///
/// Used for the key shares that clients send each other through the server: the associated data
/// names the sender, the recipient, the session and the round, so the server cannot move a share
/// to another recipient, session or round without failing authentication. The 24-byte nonce is
/// drawn at random for every message, which is safe for XChaCha20.
public struct SealedBox: Sendable, Hashable {
  /// The nonce length in bytes.
  public static let nonceByteCount = 24
  /// The tag length in bytes.
  public static let tagByteCount = 16
  /// The key length in bytes.
  public static let keyByteCount = 32
  /// The bytes a sealed box adds to its plaintext.
  public static let overheadByteCount = nonceByteCount + tagByteCount

  /// The canonical associated data for a message relayed between two parties: the purpose,
  /// sender, recipient, session and round, each length-prefixed so that no two different tuples
  /// encode alike.
  ///
  /// Binding these makes a relaying server unable to redirect a box to another recipient, replay
  /// it in another session or round, or pass it off as coming from someone else.
  public static func associatedData(
    purpose: String, sender: UInt64, recipient: UInt64, session: [UInt8], round: UInt64
  ) -> [UInt8] {
    var encoder = LengthPrefixedEncoder()
    encoder.append(Array(KeyDerivationContext.libraryLabel.utf8))
    encoder.append(Array(purpose.utf8))
    encoder.append(sender)
    encoder.append(recipient)
    encoder.append(session)
    encoder.append(round)
    return encoder.bytes
  }

  /// The box as sent: nonce ‖ ciphertext ‖ tag.
  public let combined: [UInt8]

  /// Loads a box received from elsewhere.
  ///
  /// - Throws: ``AggregationCryptoError/inputTooShort(parameter:minimum:actual:)`` when the
  ///   input is shorter than nonce and tag together.
  public init(combined: [UInt8]) throws(AggregationCryptoError) {
    guard combined.count >= Self.overheadByteCount else {
      throw .inputTooShort(
        parameter: "sealed box", minimum: Self.overheadByteCount, actual: combined.count)
    }
    self.combined = combined
  }

  private init(validatedCombined: [UInt8]) {
    combined = validatedCombined
  }

  /// Encrypts and authenticates `plaintext` and authenticates `associatedData`.
  ///
  /// - Parameters:
  ///   - plaintext: The secret to encrypt.
  ///   - key: A 32-byte key.
  ///   - associatedData: Public data bound to the box (sender, recipient, session, round).
  ///   - source: Where the nonce comes from; the system generator by default.
  /// - Throws: ``AggregationCryptoError/invalidByteCount(parameter:expected:actual:)`` for a key
  ///   that is not 32 bytes.
  public static func seal(
    _ plaintext: SecureBytes, using key: SymmetricKey, associatedData: [UInt8],
    nonceSource source: RandomSource = .system
  ) throws(AggregationCryptoError) -> SealedBox {
    guard key.byteCount == keyByteCount else {
      throw .invalidByteCount(parameter: "key", expected: keyByteCount, actual: key.byteCount)
    }
    Sodium.initialize()
    var combined = [UInt8](repeating: 0, count: plaintext.count + overheadByteCount)
    combined.withUnsafeMutableBytes { out in
      source.fill(UnsafeMutableRawBufferPointer(rebasing: out[0..<nonceByteCount]))
      guard let base = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
      var ciphertextLength: UInt64 = 0
      plaintext.withUInt8Pointer { message in
        key.withUInt8Pointer { keyBytes in
          _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
            base + nonceByteCount, &ciphertextLength, message, UInt64(plaintext.count),
            associatedData, UInt64(associatedData.count), nil, base, keyBytes)
        }
      }
    }
    return SealedBox(validatedCombined: combined)
  }

  /// Verifies the box and `associatedData` and returns the plaintext.
  ///
  /// - Throws: ``AggregationCryptoError/authenticationFailure`` when anything was altered or the
  ///   key or associated data differ; nothing of the plaintext is released then.
  public func open(using key: SymmetricKey, associatedData: [UInt8]) throws(AggregationCryptoError)
    -> SecureBytes
  {
    guard key.byteCount == Self.keyByteCount else {
      throw .invalidByteCount(parameter: "key", expected: Self.keyByteCount, actual: key.byteCount)
    }
    Sodium.initialize()
    let ciphertextCount = combined.count - Self.nonceByteCount
    var plaintext = SecureBytes(zeroedCount: ciphertextCount - Self.tagByteCount)
    let status = plaintext.withMutableUInt8Pointer { out in
      key.withUInt8Pointer { keyBytes in
        combined.withUnsafeBufferPointer { box in
          var plaintextLength: UInt64 = 0
          guard let boxBase = box.baseAddress else { return Int32(-1) }
          return crypto_aead_xchacha20poly1305_ietf_decrypt(
            out, &plaintextLength, nil, boxBase + Self.nonceByteCount, UInt64(ciphertextCount),
            associatedData, UInt64(associatedData.count), boxBase, keyBytes)
        }
      }
    }
    guard status == 0 else { throw .authenticationFailure }
    return plaintext
  }
}
