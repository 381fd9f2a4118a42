/// The one large message a client sends, encoded in one pass.
///
/// SwiftProtobuf would pack the vector into an array, copy it into `Data`, then zero-fill an
/// output buffer and copy it once more; for a 400 KB masked input that is most of the client's
/// encoding time. This writer produces the same bytes — protobuf's canonical encoding of the
/// `ClientMessage` with its `masked_input` body: fields in number order, proto3 zero values
/// omitted — straight into the output, which the wire tests check against SwiftProtobuf's own
/// serialization.
extension MaskedInput {
  func clientMessageBytes(version: UInt32) -> [UInt8] {
    let vector = maskedInput
    let length = UInt64(vector.count)
    let modulusBits = UInt64(vector.modulus.powerOfTwoExponent ?? 0)
    let modulusValue = vector.modulus.isPowerOfTwo ? 0 : (vector.modulus.value ?? 0)
    return vector.withPackedBytes { elements in
      // PackedVector { 1: length, 2: modulus_bits, 3: modulus_value, 4: elements }
      let packedSize =
        Protobuf.varintFieldSize(length) + Protobuf.varintFieldSize(modulusBits)
        + Protobuf.varintFieldSize(modulusValue) + Protobuf.bytesFieldSize(elements.count)
      // MaskedInput { 1: session_id, 2: sender, 3: masked_input }
      let sender = UInt64(self.sender.rawValue)
      let bodySize =
        Protobuf.bytesFieldSize(sessionID.bytes.count) + Protobuf.varintFieldSize(sender)
        + Protobuf.messageFieldSize(packedSize)
      // ClientMessage { 1: version, 4: masked_input }
      let total = Protobuf.varintFieldSize(UInt64(version)) + Protobuf.messageFieldSize(bodySize)
      return [UInt8](unsafeUninitializedCapacity: total) { output, initialized in
        var writer = Protobuf.Writer(output)
        writer.varintField(1, UInt64(version))
        writer.tag(4, wireType: 2)
        writer.varint(UInt64(bodySize))
        writer.bytesField(1, sessionID.bytes)
        writer.varintField(2, sender)
        writer.tag(3, wireType: 2)
        writer.varint(UInt64(packedSize))
        writer.varintField(1, length)
        writer.varintField(2, modulusBits)
        writer.varintField(3, modulusValue)
        writer.bytesField(4, elements)
        initialized = writer.offset
      }
    }
  }
}

extension ModularVector {
  /// Calls `body` with ``packedBytes()``: the storage's own bytes when they are the packing
  /// (b = 8, 16, 32 or 64 on a little-endian host), else a packed copy.
  func withPackedBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    #if _endian(little)
      if modulus.elementBitWidth == Self.storageBitWidth(for: modulus) {
        switch storage {
        case .bits8(let elements): return elements.withUnsafeBytes(body)
        case .bits16(let elements): return elements.withUnsafeBytes(body)
        case .bits32(let elements): return elements.withUnsafeBytes(body)
        case .bits64(let elements): return elements.withUnsafeBytes(body)
        }
      }
    #endif
    return packedBytes().withUnsafeBytes(body)
  }
}

/// The few pieces of the protobuf binary format the fast encoder needs.
enum Protobuf {
  static func varintSize(_ value: UInt64) -> Int {
    var size = 1
    var rest = value >> 7
    while rest != 0 {
      size += 1
      rest >>= 7
    }
    return size
  }

  /// A varint field (tag and value; field numbers here are below 16, so the tag is one byte),
  /// omitted when zero, as proto3 does.
  static func varintFieldSize(_ value: UInt64) -> Int {
    value == 0 ? 0 : 1 + varintSize(value)
  }

  /// A bytes field of `count` bytes, omitted when empty.
  static func bytesFieldSize(_ count: Int) -> Int {
    count == 0 ? 0 : 1 + varintSize(UInt64(count)) + count
  }

  /// An embedded message field of `size` bytes (written even when empty: it is set).
  static func messageFieldSize(_ size: Int) -> Int {
    1 + varintSize(UInt64(size)) + size
  }

  /// Writes into a buffer sized by the functions above.
  struct Writer {
    let output: UnsafeMutableBufferPointer<UInt8>
    var offset = 0

    init(_ output: UnsafeMutableBufferPointer<UInt8>) {
      self.output = output
    }

    mutating func byte(_ value: UInt8) {
      output.initializeElement(at: offset, to: value)
      offset += 1
    }

    mutating func varint(_ value: UInt64) {
      var rest = value
      while rest >= 0x80 {
        byte(UInt8(truncatingIfNeeded: rest) | 0x80)
        rest >>= 7
      }
      byte(UInt8(rest))
    }

    mutating func tag(_ field: UInt8, wireType: UInt8) {
      byte(field << 3 | wireType)
    }

    mutating func varintField(_ field: UInt8, _ value: UInt64) {
      guard value != 0 else { return }
      tag(field, wireType: 0)
      varint(value)
    }

    mutating func bytesField(_ field: UInt8, _ bytes: [UInt8]) {
      bytes.withUnsafeBytes { bytesField(field, $0) }
    }

    mutating func bytesField(_ field: UInt8, _ bytes: UnsafeRawBufferPointer) {
      guard !bytes.isEmpty else { return }
      tag(field, wireType: 2)
      varint(UInt64(bytes.count))
      guard let base = output.baseAddress else { return }
      UnsafeMutableRawPointer(base + offset).copyMemory(
        from: bytes.baseAddress.unsafelyUnwrapped, byteCount: bytes.count)
      offset += bytes.count
    }
  }
}
