import Testing

@testable import SecureAggregation

/// A minimal protobuf encoder, independent of the generated code, for hand-crafting wire messages
/// field by field (including ones the generated encoder would never write).
struct Proto {
  var bytes: [UInt8] = []

  static func varint(_ value: UInt64) -> [UInt8] {
    var value = value
    var result: [UInt8] = []
    while value >= 0x80 {
      result.append(UInt8(truncatingIfNeeded: value) | 0x80)
      value >>= 7
    }
    result.append(UInt8(value))
    return result
  }

  /// Appends varint field `field`.
  func uint(_ field: Int, _ value: UInt64) -> Proto {
    Proto(bytes: bytes + Self.varint(UInt64(field) << 3) + Self.varint(value))
  }

  /// Appends length-delimited field `field`.
  func data(_ field: Int, _ value: [UInt8]) -> Proto {
    Proto(
      bytes: bytes + Self.varint(UInt64(field) << 3 | 2) + Self.varint(UInt64(value.count)) + value)
  }

  /// Appends embedded message `field`.
  func message(_ field: Int, _ value: Proto) -> Proto { data(field, value.bytes) }

  /// A ClientMessage or ServerMessage: the version, then the body in oneof field `field`.
  static func envelope(_ field: Int, _ body: Proto, version: UInt64 = 1) -> [UInt8] {
    Proto().uint(1, version).message(field, body).bytes
  }
}

/// The outcome of decoding, as a value.
enum Decoded: Equatable {
  case client(ClientMessage)
  case server(ServerMessage)
  case failure(SecureAggregationError)

  static func decodeClient(_ bytes: [UInt8], _ configuration: AggregationConfiguration)
    -> Decoded
  {
    do {
      return .client(try ClientMessage(serializedBytes: bytes, configuration: configuration))
    } catch {
      return .failure(error)
    }
  }

  static func decodeServer(_ bytes: [UInt8], _ configuration: AggregationConfiguration)
    -> Decoded
  {
    do {
      return .server(try ServerMessage(serializedBytes: bytes, configuration: configuration))
    } catch {
      return .failure(error)
    }
  }

  /// A failure other than ``SecureAggregationError/invalidMessage(reason:)``, which is the only
  /// error the decoders document.
  var undocumentedError: SecureAggregationError? {
    guard case .failure(let error) = self else { return nil }
    if case .invalidMessage = error { return nil }
    return error
  }

  var isFailure: Bool {
    if case .failure = self { return true }
    return false
  }
}

/// Every message of one real session, taken as the parties sent them.
struct RecordedSession {
  let configuration: AggregationConfiguration
  var clientMessages: [ClientMessage] = []
  var serverMessages: [ServerMessage] = []

  /// Runs a whole session of `configuration` in which `dropout` (if any) vanishes before sending
  /// its masked input, so that both share kinds are revealed.
  init(configuration: AggregationConfiguration, dropout: Int? = nil) throws {
    self.configuration = configuration
    var session = try TestSession(configuration: configuration, seed: 3)
    let dropped: Set<ParticipantID> = dropout.map { [session.id($0)] } ?? []
    func sorted<Message>(_ messages: [ParticipantID: Message]) -> [Message] {
      messages.keys.sorted().compactMap { messages[$0] }
    }
    serverMessages.append(.sessionAnnouncement(session.server.announcement(for: session.id(1))))
    let directories = try session.advertiseKeys()
    let relays = try session.shareKeys(directories)
    let requests = try session.maskedInputs(relays, excluding: dropped)
    var unmasking = requests.unmaskingRequests
    if case .consistencyCheck = requests {
      unmasking = try session.consistencyCheck(requests.consistencyRequests)
    }
    let result = try session.unmask(unmasking)
    #expect(result.sum == (try session.expectedSum(of: result.survivors)))

    serverMessages += sorted(directories).map(ServerMessage.keyDirectory)
    serverMessages += sorted(relays).map(ServerMessage.shareRelay)
    serverMessages += sorted(requests.consistencyRequests).map(
      ServerMessage.consistencyCheckRequest)
    serverMessages += sorted(unmasking).map(ServerMessage.unmaskingRequest)
    clientMessages += sorted(session.sentAdvertisements).map(ClientMessage.keyAdvertisement)
    clientMessages += sorted(session.sentShares).map(ClientMessage.keyShares)
    clientMessages += sorted(session.sentMaskedInputs).map(ClientMessage.maskedInput)
    clientMessages += sorted(session.sentSignatures).map(ClientMessage.consistencySignature)
    clientMessages += sorted(session.sentResponses).map(ClientMessage.unmaskingResponse)
  }

  /// The first message of each kind, encoded.
  var samples: [(bytes: [UInt8], isClient: Bool)] {
    var seen = Set<String>()
    var result: [(bytes: [UInt8], isClient: Bool)] = []
    for message in clientMessages where seen.insert("client \(message.kind)").inserted {
      result.append((message.serializedBytes(), true))
    }
    for message in serverMessages where seen.insert("server \(message.kind)").inserted {
      result.append((message.serializedBytes(), false))
    }
    return result
  }
}

extension ClientMessage {
  var kind: String {
    switch self {
    case .keyAdvertisement: return "advertise keys"
    case .keyShares: return "share keys"
    case .maskedInput: return "masked input"
    case .consistencySignature: return "consistency signature"
    case .unmaskingResponse: return "unmasking response"
    }
  }
}

extension ClientMessage {
  var keyAdvertisement: KeyAdvertisement? {
    if case .keyAdvertisement(let message) = self { return message }
    return nil
  }

  var keyShares: KeyShares? {
    if case .keyShares(let message) = self { return message }
    return nil
  }

  var maskedInput: MaskedInput? {
    if case .maskedInput(let message) = self { return message }
    return nil
  }

  var unmaskingResponse: UnmaskingResponse? {
    if case .unmaskingResponse(let message) = self { return message }
    return nil
  }
}

extension ServerMessage {
  var kind: String {
    switch self {
    case .sessionAnnouncement: return "announcement"
    case .keyDirectory: return "key directory"
    case .shareRelay: return "share relay"
    case .consistencyCheckRequest: return "consistency check"
    case .unmaskingRequest: return "unmasking"
    }
  }
}

@Suite struct WireFormatTests {
  /// Semi-honest, complete graph, R = 2^16.
  static func semiHonest() throws -> AggregationConfiguration {
    try AggregationConfiguration(clientCount: 5, vectorLength: 7, modulus: Modulus(bitWidth: 16))
  }

  /// Active, complete graph, R = 1000: 10 bits per element, so three elements leave two padding
  /// bits, and 1000...1023 are out of range.
  static func active() throws -> AggregationConfiguration {
    try AggregationConfiguration(
      clientCount: 5, vectorLength: 3, modulus: Modulus(1_000), securityMode: .active,
      corruptedClientBound: 0)
  }

  /// Semi-honest Harary graph, R = 2^64 − 59.
  static func harary() throws -> AggregationConfiguration {
    try AggregationConfiguration(
      clientCount: 6, vectorLength: 9, modulus: Modulus(.max - 58), graph: .harary(degree: 2))
  }

  static func sessions() throws -> [RecordedSession] {
    [
      try RecordedSession(configuration: semiHonest(), dropout: 5),
      try RecordedSession(configuration: active(), dropout: 5),
      try RecordedSession(configuration: harary()),
    ]
  }

  // MARK: Round trips

  @Test func everyMessageOfRealSessionsRoundTrips() throws {
    for session in try Self.sessions() {
      let configuration = session.configuration
      let isActive = configuration.securityMode == .active
      #expect(Set(session.clientMessages.map(\.kind)).count == (isActive ? 5 : 4))
      #expect(Set(session.serverMessages.map(\.kind)).count == (isActive ? 5 : 4))
      for message in session.clientMessages {
        let bytes = message.serializedBytes()
        #expect(!bytes.isEmpty)
        #expect(Decoded.decodeClient(bytes, configuration) == .client(message), "\(message.kind)")
      }
      for message in session.serverMessages {
        let bytes = message.serializedBytes()
        #expect(Decoded.decodeServer(bytes, configuration) == .server(message), "\(message.kind)")
      }
    }
  }

  // Both share kinds, and active-mode signatures, did cross the wire.
  @Test func recordedSessionsCoverBothShareKindsAndSignatures() throws {
    let session = try RecordedSession(configuration: Self.active(), dropout: 5)
    var kinds = Set<ShareKind>()
    for case .unmaskingResponse(let response) in session.clientMessages {
      kinds.formUnion(response.shares.map(\.kind))
    }
    #expect(kinds == [.maskingKey, .selfMaskSeed])
    var signatureCount = 0
    for case .unmaskingRequest(let request) in session.serverMessages {
      signatureCount += request.signatures.count
    }
    #expect(signatureCount > 0)
  }

  // MARK: Hostile bytes never trap

  @Test func everyTruncationIsRejected() throws {
    for session in try Self.sessions() {
      for sample in session.samples {
        var undocumented: [SecureAggregationError] = []
        for length in 0..<sample.bytes.count {
          let prefix = Array(sample.bytes.prefix(length))
          let decoded =
            sample.isClient
            ? Decoded.decodeClient(prefix, session.configuration)
            : Decoded.decodeServer(prefix, session.configuration)
          #expect(decoded.isFailure, "a prefix of \(length) of \(sample.bytes.count) bytes")
          if let error = decoded.undocumentedError { undocumented.append(error) }
        }
        #expect(undocumented.isEmpty, "\(undocumented)")
      }
    }
  }

  @Test func oversizedInputIsRejectedBeforeParsing() throws {
    let session = try RecordedSession(configuration: Self.active(), dropout: 5)
    let configuration = session.configuration
    let limit = WireFormat.maximumMessageByteCount(for: configuration)
    let tooLong = SecureAggregationError.invalidMessage(
      reason: "\(limit + 1) bytes exceed the \(limit)-byte limit")
    #expect(
      Decoded.decodeClient([UInt8](repeating: 0, count: limit + 1), configuration)
        == .failure(tooLong))
    #expect(
      Decoded.decodeServer([UInt8](repeating: 0, count: limit + 1), configuration)
        == .failure(tooLong))

    // A valid message padded with an unknown field to exactly the limit decodes; one byte more
    // does not.
    let message = try #require(session.clientMessages.first)
    let bytes = message.serializedBytes()
    func padded(to total: Int) -> [UInt8] {
      // Field 15, length-delimited: one tag byte, a 2-byte length, then the padding.
      let padding = total - bytes.count - 3
      return bytes + [0x7A] + Proto.varint(UInt64(padding))
        + [UInt8](repeating: 0xA5, count: padding)
    }
    #expect(padded(to: limit).count == limit)
    #expect(Decoded.decodeClient(padded(to: limit), configuration) == .client(message))
    #expect(Decoded.decodeClient(padded(to: limit + 1), configuration) == .failure(tooLong))
  }

  /// Decodes `bytes` both as a client and as a server message. A failure must be the documented
  /// invalidMessage (anything else is returned); a decoded value must survive its own round trip.
  static func decodeHostile(_ bytes: [UInt8], _ configuration: AggregationConfiguration)
    -> [SecureAggregationError]
  {
    var undocumented: [SecureAggregationError] = []
    for decoded in [
      Decoded.decodeClient(bytes, configuration), Decoded.decodeServer(bytes, configuration),
    ] {
      switch decoded {
      case .client(let message):
        #expect(Decoded.decodeClient(message.serializedBytes(), configuration) == decoded)
      case .server(let message):
        #expect(Decoded.decodeServer(message.serializedBytes(), configuration) == decoded)
      case .failure(let error):
        if decoded.undocumentedError != nil { undocumented.append(error) }
      }
    }
    return undocumented
  }

  @Test func randomBytesNeverTrap() throws {
    let configuration = try Self.active()
    let random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 0x7769_7265)
    var undocumented: [SecureAggregationError] = []
    for index in 0..<3_000 {
      let count = Int(random.next() % 160)
      var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: random.next()) }
      if index.isMultiple(of: 2) {
        // A valid envelope around a random body, to get past the outer layer.
        bytes = Proto.envelope(Int(2 + random.next() % 5), Proto(bytes: bytes))
      }
      undocumented += Self.decodeHostile(bytes, configuration)
    }
    #expect(undocumented.isEmpty, "\(undocumented)")
  }

  // A mutated message either fails with invalidMessage or decodes to a value that itself
  // round-trips; it never traps, in either decoder.
  @Test func singleByteMutationsNeverTrap() throws {
    let random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: 0x6d75_7461)
    for session in try Self.sessions() {
      var undocumented: [SecureAggregationError] = []
      for sample in session.samples {
        for _ in 0..<150 {
          var bytes = sample.bytes
          let position = Int(random.next() % UInt64(bytes.count))
          bytes[position] ^= UInt8(truncatingIfNeeded: 1 + random.next() % 255)
          undocumented += Self.decodeHostile(bytes, session.configuration)
        }
      }
      #expect(undocumented.isEmpty, "\(undocumented)")
    }
  }
}

/// Hand-crafted messages of the active session, each with one field wrong.
@Suite struct WireFieldValidationTests {
  let configuration: AggregationConfiguration
  let session: RecordedSession
  let sessionID: [UInt8]
  let advertisement: KeyAdvertisement
  let box: [UInt8]
  let vector: ModularVector
  let signature: [UInt8]
  let share: [UInt8]

  init() throws {
    configuration = try WireFormatTests.active()
    session = try RecordedSession(configuration: configuration, dropout: 5)
    let messages = session.clientMessages
    let advertisement = try #require(messages.compactMap(\.keyAdvertisement).first)
    let shares = try #require(messages.compactMap(\.keyShares).first)
    let masked = try #require(messages.compactMap(\.maskedInput).first)
    let response = try #require(messages.compactMap(\.unmaskingResponse).last)
    self.advertisement = advertisement
    sessionID = advertisement.sessionID.bytes
    box = shares.shares[0].box.combined
    vector = masked.maskedInput
    signature = advertisement.signature
    share = response.shares[0].share.serialized.unprotectedArray
  }

  static func invalid(_ reason: String) -> Decoded { .failure(.invalidMessage(reason: reason)) }

  func client(_ field: Int, _ body: Proto, version: UInt64 = 1) -> Decoded {
    Decoded.decodeClient(Proto.envelope(field, body, version: version), configuration)
  }

  func server(_ field: Int, _ body: Proto, version: UInt64 = 1) -> Decoded {
    Decoded.decodeServer(Proto.envelope(field, body, version: version), configuration)
  }

  func advertise(
    sessionID: [UInt8]? = nil, sender: UInt64 = 1, encryptionKey: [UInt8]? = nil,
    maskingKey: [UInt8]? = nil, signature: [UInt8]? = nil
  ) -> Proto {
    Proto().data(1, sessionID ?? self.sessionID).uint(2, sender)
      .data(3, encryptionKey ?? advertisement.encryptionKey.rawRepresentation)
      .data(4, maskingKey ?? advertisement.maskingKey.rawRepresentation)
      .data(5, signature ?? advertisement.signature)
  }

  func packed(
    length: UInt64 = 3, bits: UInt64 = 0, value: UInt64 = 1_000, elements: [UInt8]? = nil
  ) -> Proto {
    Proto().uint(1, length).uint(2, bits).uint(3, value).data(4, elements ?? vector.packedBytes())
  }

  func maskedInput(_ vector: Proto, sender: UInt64 = 1) -> Proto {
    Proto().data(1, sessionID).uint(2, sender).message(3, vector)
  }

  func encryptedShare(peer: UInt64 = 2, box: [UInt8]? = nil) -> Proto {
    Proto().uint(1, peer).data(2, box ?? self.box)
  }

  func revealed(owner: UInt64 = 2, kind: UInt64 = 2, share: [UInt8]? = nil) -> Proto {
    Proto().uint(1, owner).uint(2, kind).data(3, share ?? self.share)
  }

  func unmaskingResponse(_ shares: [Proto], sender: UInt64 = 1) -> Proto {
    shares.reduce(Proto().data(1, sessionID).uint(2, sender)) { $0.message(3, $1) }
  }

  func unmaskingRequest(bitmap: [UInt8] = [0x0F], signatures: [Proto] = []) -> Proto {
    signatures.reduce(
      Proto().data(1, sessionID).uint(2, 1).message(3, Proto().data(1, bitmap))
    ) { $0.message(4, $1) }
  }

  // The hand-built messages are right when every field is: they decode to the expected values.
  @Test func wellFormedHandBuiltMessagesDecode() throws {
    #expect(client(2, advertise()) == .client(.keyAdvertisement(advertisement)))
    let id = advertisement.sessionID
    let one = try participant(1)
    #expect(
      client(4, maskedInput(packed()))
        == .client(
          .maskedInput(MaskedInput(sessionID: id, sender: one, maskedInput: vector))))
    let survivors = try [1, 2, 3, 4].map(participant)
    #expect(
      server(6, unmaskingRequest())
        == .server(
          .unmaskingRequest(
            UnmaskingRequest(sessionID: id, recipient: one, survivors: survivors, signatures: []))))
    guard
      case .client(.unmaskingResponse(let response)) = client(6, unmaskingResponse([revealed()]))
    else {
      Issue.record("the revealed share does not decode")
      return
    }
    #expect(response.shares.map(\.owner) == [try participant(2)])
    #expect(response.shares.map(\.kind) == [.selfMaskSeed])
    // Empty messages and bodies.
    #expect(Decoded.decodeClient([], configuration) == Self.invalid("wire version 0; expected 1"))
    #expect(
      Decoded.decodeClient(Proto().uint(1, 1).bytes, configuration)
        == Self.invalid("an empty client message"))
    #expect(
      Decoded.decodeServer(Proto().uint(1, 1).bytes, configuration)
        == Self.invalid("an empty server message"))
  }

  @Test(arguments: [0, 2, 3, UInt64(UInt32.max)])
  func wrongVersionsAreRejected(version: UInt64) {
    let expected = Self.invalid("wire version \(version); expected 1")
    #expect(client(2, advertise(), version: version) == expected)
    #expect(server(6, unmaskingRequest(), version: version) == expected)
  }

  @Test func idsOutsideTheCohortAreRejected() {
    for id: UInt64 in [0, 6, 65_536, UInt64(UInt32.max)] {
      let expected = Self.invalid("participant id \(id) is outside 1...5")
      #expect(client(2, advertise(sender: id)) == expected)
      #expect(client(4, maskedInput(packed(), sender: id)) == expected)
      #expect(client(5, Proto().data(1, sessionID).uint(2, id).data(3, signature)) == expected)
      #expect(client(6, unmaskingResponse([revealed()], sender: id)) == expected)
      #expect(client(6, unmaskingResponse([revealed(owner: id)])) == expected)
      #expect(
        client(3, Proto().data(1, sessionID).uint(2, 1).message(3, encryptedShare(peer: id)))
          == expected)
      #expect(server(3, Proto().data(1, sessionID).uint(2, id).message(3, advertise())) == expected)
      #expect(
        server(4, Proto().data(1, sessionID).uint(2, id).message(3, encryptedShare()))
          == expected)
      #expect(
        server(5, Proto().data(1, sessionID).uint(2, id).message(3, Proto().data(1, [0x0F])))
          == expected)
      let signer = Proto().uint(1, id).data(2, signature)
      #expect(server(6, unmaskingRequest(signatures: [signer])) == expected)
    }
  }

  @Test func fieldsOfTheWrongLengthAreRejected() {
    for count in [0, 16, 31, 33] {
      let bytes = [UInt8](repeating: 7, count: count)
      let sessionError = Self.invalid("a session id of \(count) bytes; expected 32")
      #expect(client(2, advertise(sessionID: bytes)) == sessionError)
      #expect(
        server(2, Proto().data(1, bytes).data(2, sessionID))
          == Self.invalid("a nonce of \(count) bytes"))
      #expect(server(2, Proto().data(1, sessionID).data(2, bytes)) == sessionError)
      let keyError = Self.invalid("a public key of \(count) bytes; expected 32")
      #expect(client(2, advertise(encryptionKey: bytes)) == keyError)
      #expect(client(2, advertise(maskingKey: bytes)) == keyError)
      // ShareKeys' field 4, the self-mask-seed commitment, is required and 32 bytes.
      #expect(
        client(3, Proto().data(1, sessionID).uint(2, 1).data(4, bytes))
          == Self.invalid("a seed commitment of \(count) bytes; expected 32"))
    }
    for count in [1, 32, 63, 65, 128] {
      let bytes = [UInt8](repeating: 7, count: count)
      let expected = Self.invalid("a signature of \(count) bytes; expected 64")
      #expect(client(2, advertise(signature: bytes)) == expected)
      #expect(client(5, Proto().data(1, sessionID).uint(2, 1).data(3, bytes)) == expected)
      #expect(
        server(6, unmaskingRequest(signatures: [Proto().uint(1, 2).data(2, bytes)])) == expected)
    }
    // A consistency signature is required; an advertisement's may be empty (semi-honest mode).
    #expect(
      client(5, Proto().data(1, sessionID).uint(2, 1))
        == Self.invalid("a signature of 0 bytes; expected 64"))
    #expect(
      server(6, unmaskingRequest(signatures: [Proto().uint(1, 2)]))
        == Self.invalid("a signature of 0 bytes; expected 64"))
    guard case .client(.keyAdvertisement(let unsigned)) = client(2, advertise(signature: [])) else {
      Issue.record("an unsigned advertisement does not decode")
      return
    }
    #expect(unsigned.signature.isEmpty)
    // Share boxes shorter than nonce and tag.
    for count in [0, 1, SealedBox.overheadByteCount - 1] {
      let short = [UInt8](repeating: 1, count: count)
      let expected = Self.invalid("an encrypted share of \(count) bytes")
      #expect(
        client(3, Proto().data(1, sessionID).uint(2, 1).message(3, encryptedShare(box: short)))
          == expected)
      #expect(
        server(4, Proto().data(1, sessionID).uint(2, 1).message(3, encryptedShare(box: short)))
          == expected)
    }
  }

  @Test func malformedPackedVectorsAreRejected() {
    let elements = vector.packedBytes()
    #expect(elements.count == 4)
    #expect(client(4, Proto().data(1, sessionID).uint(2, 1)) == Self.invalid("no masked input"))
    let otherModulus = Self.invalid("a vector of another modulus than 1000")
    #expect(client(4, maskedInput(packed(value: 1_001))) == otherModulus)
    #expect(client(4, maskedInput(packed(value: 0))) == otherModulus)
    #expect(client(4, maskedInput(packed(bits: 10, value: 0))) == otherModulus)
    #expect(client(4, maskedInput(packed(bits: 10))) == otherModulus)
    for length: UInt64 in [0, 2, 4, 1 << 40, .max] {
      #expect(
        client(4, maskedInput(packed(length: length)))
          == Self.invalid("a vector of \(length) elements; expected 3"))
    }
    func undecodable(_ error: SecureAggregationError) -> Decoded {
      Self.invalid("a packed vector that does not decode: \(error)")
    }
    for count in [0, 3, 5, 400] {
      let bytes = [UInt8](repeating: 0, count: count)
      #expect(
        client(4, maskedInput(packed(elements: bytes)))
          == undecodable(.packedByteCountMismatch(expected: 4, actual: count)))
    }
    // The two padding bits of the last byte.
    for bit in 6..<8 {
      let padded = Tamper.flipBit(elements, at: 3, bit: bit)
      #expect(client(4, maskedInput(packed(elements: padded))) == undecodable(.nonzeroPaddingBits))
    }
    // 1023 is not below R = 1000.
    let modulus = configuration.modulus
    let outOfRange: [UInt8] = [0x00, 0xFC, 0x0F, 0x00]
    #expect(
      client(4, maskedInput(packed(elements: outOfRange)))
        == undecodable(.elementOutOfRange(index: 1, modulus: modulus)))
    let largest: [UInt8] = [0xE7, 0x03, 0x00, 0x00]
    #expect(!client(4, maskedInput(packed(elements: largest))).isFailure)
  }

  @Test func participantBitmapsBeyondTheCohortAreRejected() throws {
    let beyond = Self.invalid("a participant bitmap with ids beyond the cohort")
    for bitmap: [UInt8] in [[0x20], [0x1F | 0x40], [0x80]] {
      #expect(server(6, unmaskingRequest(bitmap: bitmap)) == beyond)
      #expect(
        server(5, Proto().data(1, sessionID).uint(2, 1).message(3, Proto().data(1, bitmap)))
          == beyond)
    }
    for bitmap: [UInt8] in [[0x0F, 0x00], [0x0F, 0x01], [UInt8](repeating: 0xFF, count: 9)] {
      #expect(
        server(6, unmaskingRequest(bitmap: bitmap))
          == Self.invalid("a participant bitmap of \(bitmap.count) bytes"))
    }
    // An empty set decodes (the client then refuses it as too small).
    guard case .server(.unmaskingRequest(let request)) = server(6, unmaskingRequest(bitmap: []))
    else {
      Issue.record("an empty bitmap does not decode")
      return
    }
    #expect(request.survivors.isEmpty)
    guard case .server(.unmaskingRequest(let full)) = server(6, unmaskingRequest(bitmap: [0x1F]))
    else {
      Issue.record("a full bitmap does not decode")
      return
    }
    #expect(full.survivors == configuration.participantIDs)
  }

  @Test func malformedRevealedSharesAreRejected() {
    let length = KeySchedule.serializedShareByteCount
    #expect(share.count == length)
    for count in [0, 6, length - 1, length + 1, 2 * length] {
      let bytes = [UInt8](repeating: 0, count: count)
      #expect(
        client(6, unmaskingResponse([revealed(share: bytes)]))
          == Self.invalid("a share of \(count) bytes; expected \(length)"))
    }
    var zeroID = share
    zeroID[0] = 0
    zeroID[1] = 0
    // A 64-byte secret's share is longer; (a 33-byte secret's share has the same length as a
    // 32-byte one's: the server refuses it, see ServerRuleTests.)
    var otherLength = share
    otherLength[5] = 64
    var outOfField = share
    outOfField[length - 1] = 0xFF
    for bytes in [zeroID, otherLength, outOfField] {
      #expect(
        client(6, unmaskingResponse([revealed(share: bytes)])) == Self.invalid("a malformed share"))
    }
    for kind: UInt64 in [0, 3, 99, .max] {
      #expect(
        client(6, unmaskingResponse([revealed(kind: kind)]))
          == Self.invalid("an unknown share kind"))
    }
  }

  @Test func moreEntriesThanClientsAreRejected() {
    let six = 6
    #expect(
      client(6, unmaskingResponse(Array(repeating: revealed(), count: six)))
        == Self.invalid("6 revealed shares for 5 clients"))
    let shares = (0..<six).reduce(Proto().data(1, sessionID).uint(2, 1)) { body, _ in
      body.message(3, encryptedShare())
    }
    #expect(client(3, shares) == Self.invalid("6 encrypted shares for 5 clients"))
    #expect(server(4, shares) == Self.invalid("6 encrypted shares for 5 clients"))
    let directory = (0..<six).reduce(Proto().data(1, sessionID).uint(2, 1)) { body, _ in
      body.message(3, advertise())
    }
    #expect(server(3, directory) == Self.invalid("6 directory entries for 5 clients"))
    let signatures = Array(repeating: Proto().uint(1, 2).data(2, signature), count: six)
    #expect(
      server(6, unmaskingRequest(signatures: signatures))
        == Self.invalid("6 signatures for 5 clients"))
  }
}
