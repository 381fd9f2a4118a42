import Foundation
import SwiftProtobuf

// The mapping between the protocol's message types and the versioned protobuf wire format
// (Protos/secure_aggregation.proto, generated into Wire/generated/). Decoding validates every
// field against the configuration and answers hostile bytes with
// `SecureAggregationError.invalidMessage`, never a trap.

typealias WireClientMessage = PrivateAggregation_SecureAggregation_V1_ClientMessage
typealias WireServerMessage = PrivateAggregation_SecureAggregation_V1_ServerMessage

/// The wire format's version and size limits.
public enum WireFormat {
  /// The version every message carries; messages of another version are refused.
  public static let version: UInt32 = 1

  /// The largest encoded message a peer may send in a session with `configuration`: enough for
  /// a bit-packed vector, or one entry per client, with room for framing. Larger inputs are
  /// refused before parsing.
  public static func maximumMessageByteCount(for configuration: AggregationConfiguration) -> Int {
    let vector =
      ModularVector.packedByteCount(
        count: configuration.vectorLength, modulus: configuration.modulus) ?? Int.max / 2
    let perClient = 256 + KeySchedule.shareBoxByteCount
    return max(vector, configuration.clientCount * perClient) + 4096
  }
}

extension ClientMessage {
  /// The message's wire encoding.
  public func serializedBytes() -> [UInt8] {
    if case .maskedInput(let message) = self {
      return message.clientMessageBytes(version: WireFormat.version)
    }
    return protobufSerializedBytes()
  }

  /// The encoding by SwiftProtobuf, for every message (the tests compare the fast path with it).
  func protobufSerializedBytes() -> [UInt8] {
    var wire = WireClientMessage()
    wire.version = WireFormat.version
    switch self {
    case .keyAdvertisement(let message):
      wire.advertiseKeys = message.wire
    case .keyShares(let message):
      wire.shareKeys = .with {
        $0.sessionID = Data(message.sessionID.bytes)
        $0.sender = UInt32(message.sender.rawValue)
        $0.shares = message.shares.map(\.wire)
        $0.seedCommitment = Data(message.selfMaskSeedCommitment)
      }
    case .maskedInput(let message):
      wire.maskedInput = .with {
        $0.sessionID = Data(message.sessionID.bytes)
        $0.sender = UInt32(message.sender.rawValue)
        $0.maskedInput = message.maskedInput.wire
      }
    case .consistencySignature(let message):
      wire.consistencySignature = .with {
        $0.sessionID = Data(message.sessionID.bytes)
        $0.sender = UInt32(message.sender.rawValue)
        $0.signature = Data(message.signature)
      }
    case .unmaskingResponse(let message):
      wire.unmaskingResponse = .with {
        $0.sessionID = Data(message.sessionID.bytes)
        $0.sender = UInt32(message.sender.rawValue)
        $0.shares = message.shares.map { revealed in
          .with {
            $0.owner = UInt32(revealed.owner.rawValue)
            $0.kind = revealed.kind == .maskingKey ? .maskingKey : .selfMaskSeed
            $0.share = Data(revealed.share.serialized.unprotectedArray)
          }
        }
      }
    }
    // Encoding a proto3 message without required fields cannot fail.
    return (try? wire.serializedBytes()) ?? []
  }

  /// Decodes and validates a client message of the session with `configuration`.
  ///
  /// - Throws: ``SecureAggregationError/invalidMessage(reason:)`` for bytes that are not a
  ///   well-formed message of this wire version, or whose fields do not fit the configuration.
  public init(serializedBytes bytes: [UInt8], configuration: AggregationConfiguration)
    throws(SecureAggregationError)
  {
    let decoder = WireDecoder(configuration: configuration)
    let wire: WireClientMessage = try decoder.parse(bytes)
    guard wire.version == WireFormat.version else {
      throw .invalidMessage(reason: "wire version \(wire.version); expected \(WireFormat.version)")
    }
    switch wire.body {
    case .advertiseKeys(let message):
      self = .keyAdvertisement(try decoder.advertisement(message))
    case .shareKeys(let message):
      self = .keyShares(
        KeyShares(
          sessionID: try decoder.sessionID(message.sessionID),
          sender: try decoder.participant(message.sender),
          shares: try decoder.shares(message.shares),
          selfMaskSeedCommitment: try decoder.commitment(message.seedCommitment)))
    case .maskedInput(let message):
      guard message.hasMaskedInput else { throw .invalidMessage(reason: "no masked input") }
      self = .maskedInput(
        MaskedInput(
          sessionID: try decoder.sessionID(message.sessionID),
          sender: try decoder.participant(message.sender),
          maskedInput: try decoder.vector(message.maskedInput)))
    case .consistencySignature(let message):
      self = .consistencySignature(
        ConsistencySignature(
          sessionID: try decoder.sessionID(message.sessionID),
          sender: try decoder.participant(message.sender),
          signature: try decoder.signature(message.signature, required: true)))
    case .unmaskingResponse(let message):
      try decoder.checkCount(message.shares.count, "revealed shares")
      var shares: [RevealedShare] = []
      for revealed in message.shares {
        shares.append(
          RevealedShare(
            owner: try decoder.participant(revealed.owner), kind: try decoder.kind(revealed.kind),
            share: try decoder.share(revealed.share)))
      }
      self = .unmaskingResponse(
        UnmaskingResponse(
          sessionID: try decoder.sessionID(message.sessionID),
          sender: try decoder.participant(message.sender), shares: shares))
    case nil:
      throw .invalidMessage(reason: "an empty client message")
    }
  }
}

extension ServerMessage {
  /// The message's wire encoding.
  public func serializedBytes() -> [UInt8] {
    var wire = WireServerMessage()
    wire.version = WireFormat.version
    switch self {
    case .sessionAnnouncement(let message):
      wire.announcement = .with {
        $0.nonce = Data(message.nonce)
        $0.sessionID = Data(message.sessionID.bytes)
        $0.recipient = UInt32(message.recipient.rawValue)
      }
    case .keyDirectory(let message):
      wire.keyDirectory = .with {
        $0.sessionID = Data(message.sessionID.bytes)
        $0.recipient = UInt32(message.recipient.rawValue)
        $0.neighbors = message.neighbors.map(\.wire)
      }
    case .shareRelay(let message):
      wire.shareRelay = .with {
        $0.sessionID = Data(message.sessionID.bytes)
        $0.recipient = UInt32(message.recipient.rawValue)
        $0.shares = message.shares.map(\.wire)
      }
    case .consistencyCheckRequest(let message):
      wire.consistencyCheck = .with {
        $0.sessionID = Data(message.sessionID.bytes)
        $0.recipient = UInt32(message.recipient.rawValue)
        $0.survivors = WireDecoder.participantSet(message.survivors)
      }
    case .unmaskingRequest(let message):
      wire.unmasking = .with {
        $0.sessionID = Data(message.sessionID.bytes)
        $0.recipient = UInt32(message.recipient.rawValue)
        $0.survivors = WireDecoder.participantSet(message.survivors)
        $0.signatures = message.signatures.map { entry in
          .with {
            $0.signer = UInt32(entry.signer.rawValue)
            $0.signature = Data(entry.signature)
          }
        }
      }
    }
    return (try? wire.serializedBytes()) ?? []
  }

  /// Decodes and validates a server message of the session with `configuration`.
  ///
  /// - Throws: ``SecureAggregationError/invalidMessage(reason:)`` for bytes that are not a
  ///   well-formed message of this wire version, or whose fields do not fit the configuration.
  public init(serializedBytes bytes: [UInt8], configuration: AggregationConfiguration)
    throws(SecureAggregationError)
  {
    let decoder = WireDecoder(configuration: configuration)
    let wire: WireServerMessage = try decoder.parse(bytes)
    guard wire.version == WireFormat.version else {
      throw .invalidMessage(reason: "wire version \(wire.version); expected \(WireFormat.version)")
    }
    switch wire.body {
    case .announcement(let message):
      guard message.nonce.count == SessionID.nonceByteCount else {
        throw .invalidMessage(reason: "a nonce of \(message.nonce.count) bytes")
      }
      self = .sessionAnnouncement(
        SessionAnnouncement(
          nonce: Array(message.nonce), sessionID: try decoder.sessionID(message.sessionID),
          recipient: try decoder.participant(message.recipient)))
    case .keyDirectory(let message):
      try decoder.checkCount(message.neighbors.count, "directory entries")
      var neighbors: [KeyAdvertisement] = []
      for entry in message.neighbors { neighbors.append(try decoder.advertisement(entry)) }
      self = .keyDirectory(
        KeyDirectory(
          sessionID: try decoder.sessionID(message.sessionID),
          recipient: try decoder.participant(message.recipient), neighbors: neighbors))
    case .shareRelay(let message):
      self = .shareRelay(
        ShareRelay(
          sessionID: try decoder.sessionID(message.sessionID),
          recipient: try decoder.participant(message.recipient),
          shares: try decoder.shares(message.shares)))
    case .consistencyCheck(let message):
      self = .consistencyCheckRequest(
        ConsistencyCheckRequest(
          sessionID: try decoder.sessionID(message.sessionID),
          recipient: try decoder.participant(message.recipient),
          survivors: try decoder.participants(message.survivors)))
    case .unmasking(let message):
      try decoder.checkCount(message.signatures.count, "signatures")
      var signatures: [ParticipantSignature] = []
      for entry in message.signatures {
        signatures.append(
          ParticipantSignature(
            signer: try decoder.participant(entry.signer),
            signature: try decoder.signature(entry.signature, required: true)))
      }
      self = .unmaskingRequest(
        UnmaskingRequest(
          sessionID: try decoder.sessionID(message.sessionID),
          recipient: try decoder.participant(message.recipient),
          survivors: try decoder.participants(message.survivors), signatures: signatures))
    case nil:
      throw .invalidMessage(reason: "an empty server message")
    }
  }
}

extension KeyAdvertisement {
  var wire: PrivateAggregation_SecureAggregation_V1_AdvertiseKeys {
    .with {
      $0.sessionID = Data(sessionID.bytes)
      $0.sender = UInt32(sender.rawValue)
      $0.encryptionKey = Data(encryptionKey.rawRepresentation)
      $0.maskingKey = Data(maskingKey.rawRepresentation)
      $0.signature = Data(signature)
    }
  }
}

extension EncryptedShare {
  var wire: PrivateAggregation_SecureAggregation_V1_EncryptedShare {
    .with {
      $0.peer = UInt32(peer.rawValue)
      $0.box = Data(box.combined)
    }
  }
}

extension ModularVector {
  var wire: PrivateAggregation_SecureAggregation_V1_PackedVector {
    .with {
      $0.length = UInt64(count)
      $0.modulusBits = UInt32(modulus.powerOfTwoExponent ?? 0)
      $0.modulusValue = modulus.isPowerOfTwo ? 0 : (modulus.value ?? 0)
      $0.elements = packedData()
    }
  }
}

extension ModularVector {
  /// ``packedBytes()`` as `Data`, copied once from the storage when it is the packing.
  func packedData() -> Data {
    withPackedBytes { Data($0) }
  }
}

/// Field-by-field validation of decoded wire messages against a configuration.
struct WireDecoder {
  let configuration: AggregationConfiguration

  func parse<Message: SwiftProtobuf.Message>(_ bytes: [UInt8]) throws(SecureAggregationError)
    -> Message
  {
    let limit = WireFormat.maximumMessageByteCount(for: configuration)
    guard bytes.count <= limit else {
      throw .invalidMessage(reason: "\(bytes.count) bytes exceed the \(limit)-byte limit")
    }
    do {
      return try Message(serializedBytes: bytes)
    } catch {
      throw .invalidMessage(reason: "the bytes are not a well-formed protocol message")
    }
  }

  func checkCount(_ count: Int, _ what: String) throws(SecureAggregationError) {
    guard count <= configuration.clientCount else {
      throw .invalidMessage(
        reason: "\(count) \(what) for \(configuration.clientCount) clients")
    }
  }

  func sessionID(_ data: Data) throws(SecureAggregationError) -> SessionID {
    try SessionID(bytes: Array(data))
  }

  func participant(_ value: UInt32) throws(SecureAggregationError) -> ParticipantID {
    guard let id = ParticipantID(Int(value)), id.index <= configuration.clientCount else {
      throw .invalidMessage(
        reason: "participant id \(value) is outside 1...\(configuration.clientCount)")
    }
    return id
  }

  func publicKey(_ data: Data) throws(SecureAggregationError) -> KeyAgreement.PublicKey {
    guard let key = try? KeyAgreement.PublicKey(rawRepresentation: Array(data)) else {
      throw .invalidMessage(reason: "a public key of \(data.count) bytes; expected 32")
    }
    return key
  }

  func commitment(_ data: Data) throws(SecureAggregationError) -> [UInt8] {
    guard data.count == KeySchedule.commitmentByteCount else {
      throw .invalidMessage(
        reason:
          "a seed commitment of \(data.count) bytes; expected \(KeySchedule.commitmentByteCount)")
    }
    return Array(data)
  }

  func signature(_ data: Data, required: Bool) throws(SecureAggregationError) -> [UInt8] {
    guard data.count == Signing.signatureByteCount || (!required && data.isEmpty) else {
      throw .invalidMessage(reason: "a signature of \(data.count) bytes; expected 64")
    }
    return Array(data)
  }

  func advertisement(_ message: PrivateAggregation_SecureAggregation_V1_AdvertiseKeys)
    throws(SecureAggregationError) -> KeyAdvertisement
  {
    KeyAdvertisement(
      sessionID: try sessionID(message.sessionID), sender: try participant(message.sender),
      encryptionKey: try publicKey(message.encryptionKey),
      maskingKey: try publicKey(message.maskingKey),
      signature: try signature(message.signature, required: false))
  }

  func shares(_ entries: [PrivateAggregation_SecureAggregation_V1_EncryptedShare])
    throws(SecureAggregationError) -> [EncryptedShare]
  {
    try checkCount(entries.count, "encrypted shares")
    var result: [EncryptedShare] = []
    result.reserveCapacity(entries.count)
    for entry in entries {
      guard let box = try? SealedBox(combined: Array(entry.box)) else {
        throw .invalidMessage(reason: "an encrypted share of \(entry.box.count) bytes")
      }
      result.append(EncryptedShare(peer: try participant(entry.peer), box: box))
    }
    return result
  }

  func vector(_ packed: PrivateAggregation_SecureAggregation_V1_PackedVector)
    throws(SecureAggregationError) -> ModularVector
  {
    let modulus = configuration.modulus
    let expectedBits = UInt32(modulus.powerOfTwoExponent ?? 0)
    let expectedValue = modulus.isPowerOfTwo ? 0 : (modulus.value ?? 0)
    guard packed.modulusBits == expectedBits, packed.modulusValue == expectedValue else {
      throw .invalidMessage(reason: "a vector of another modulus than \(modulus)")
    }
    guard packed.length == UInt64(configuration.vectorLength) else {
      throw .invalidMessage(
        reason: "a vector of \(packed.length) elements; expected \(configuration.vectorLength)")
    }
    // ModularVector's own errors (wrong byte count, nonzero padding, an element not below R) are
    // reported as the invalidMessage the decoders document.
    // Unpacked straight from the parsed message's buffer: no intermediate copy of the bytes.
    let count = configuration.vectorLength
    let result = packed.elements.withUnsafeBytes { raw in
      Result { () throws(SecureAggregationError) in
        try ModularVector(packedRawBytes: raw, count: count, modulus: modulus)
      }
    }
    do {
      return try result.get()
    } catch {
      throw .invalidMessage(reason: "a packed vector that does not decode: \(error)")
    }
  }

  func kind(_ kind: PrivateAggregation_SecureAggregation_V1_ShareKind)
    throws(SecureAggregationError) -> ShareKind
  {
    switch kind {
    case .maskingKey: return .maskingKey
    case .selfMaskSeed: return .selfMaskSeed
    default: throw .invalidMessage(reason: "an unknown share kind")
    }
  }

  func share(_ data: Data) throws(SecureAggregationError) -> SecretShare {
    let expected = KeySchedule.serializedShareByteCount
    guard data.count == expected else {
      throw .invalidMessage(reason: "a share of \(data.count) bytes; expected \(expected)")
    }
    do {
      return try SecretShare(serialized: SecureBytes(Array(data)))
    } catch {
      throw .invalidMessage(reason: "a malformed share")
    }
  }

  func participants(_ set: PrivateAggregation_SecureAggregation_V1_ParticipantSet)
    throws(SecureAggregationError) -> [ParticipantID]
  {
    let clientCount = configuration.clientCount
    let bitmap = Array(set.bitmap)
    guard bitmap.count <= (clientCount + 7) / 8 else {
      throw .invalidMessage(reason: "a participant bitmap of \(bitmap.count) bytes")
    }
    var result: [ParticipantID] = []
    for (byteIndex, byte) in bitmap.enumerated() where byte != 0 {
      for bit in 0..<8 where byte & (1 << bit) != 0 {
        guard let id = ParticipantID(byteIndex * 8 + bit + 1), id.index <= clientCount else {
          throw .invalidMessage(reason: "a participant bitmap with ids beyond the cohort")
        }
        result.append(id)
      }
    }
    return result
  }

  /// The bitmap encoding of `ids`.
  static func participantSet(_ ids: [ParticipantID])
    -> PrivateAggregation_SecureAggregation_V1_ParticipantSet
  {
    let count = ids.map(\.index).max() ?? 0
    var bitmap = [UInt8](repeating: 0, count: (count + 7) / 8)
    for id in ids {
      bitmap[(id.index - 1) / 8] |= UInt8(1) << UInt8((id.index - 1) % 8)
    }
    return .with { $0.bitmap = Data(bitmap) }
  }
}
