public import SecureAggregation

/// A client of one private aggregation: turns its float update into the protocol's messages.
///
/// It runs the secure-aggregation client (``AggregationPlan/secureAggregation``) and, when the
/// server relays the key shares, encodes the update with ``UpdateEncoder`` — clip, rotate,
/// round, add this client's noise share — and masks the result. A sans-IO state machine like
/// the protocol's: each method takes the server's message and returns the reply to send; a
/// method that throws leaves the client as it was.
///
/// ```swift
/// var client = try PrivateAggregationClient(plan: plan, id: id)
/// let keys = try client.advertiseKeys(for: announcement)       // → server
/// let shares = try client.shareKeys(for: directory)            // → server
/// let masked = try client.maskedInput(for: relay, update: myUpdate)
/// let response = try client.unmaskingResponse(for: request)    // → server
/// ```
public struct PrivateAggregationClient {
  /// The plan the client follows (the server must use the same one).
  public let plan: AggregationPlan
  /// The secure-aggregation client underneath.
  public private(set) var protocolClient: AggregationClient
  /// Whether this client's update was clipped, once it has been encoded.
  public private(set) var wasClipped: Bool?
  /// The rounding and noise randomness: securely seeded unless made for tests.
  private let generator: ChaChaRandomNumberGenerator

  /// A client whose secrets, rounding and noise come from the system's secure generator.
  ///
  /// - Parameters:
  ///   - plan: the round's plan.
  ///   - id: this client's id, 1...n.
  ///   - identityKey: active mode: this client's identity key.
  ///   - identityDirectory: active mode: every participant's identity public key, from the
  ///     caller's own directory, never from the server.
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` for an id outside the cohort or a
  ///   missing identity key in active mode.
  public init(
    plan: AggregationPlan, id: ParticipantID, identityKey: IdentityPrivateKey? = nil,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:]
  ) throws(PrivateAggregationError) {
    do {
      protocolClient = try AggregationClient(
        configuration: plan.secureAggregation, id: id, identityKey: identityKey,
        identityDirectory: identityDirectory)
    } catch {
      throw .secureAggregation(error)
    }
    self.plan = plan
    generator = ChaChaRandomNumberGenerator()
  }

  /// A client whose keys, rounding and noise all come from `insecureSeed` — for reproducible
  /// tests and simulations only.
  ///
  /// - Warning: Insecure: whoever knows the seed knows every secret and the noise.
  public init(
    plan: AggregationPlan, id: ParticipantID, identityKey: IdentityPrivateKey? = nil,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:], insecureSeed: UInt64
  ) throws(PrivateAggregationError) {
    let root = ChaChaRandomNumberGenerator(insecureDeterministicSeed: insecureSeed)
    do {
      protocolClient = try AggregationClient(
        configuration: plan.secureAggregation, id: id, identityKey: identityKey,
        identityDirectory: identityDirectory,
        insecureRandomSource: .insecureDeterministic(root.insecureDeterministicChild(label: "keys"))
      )
    } catch {
      throw .secureAggregation(error)
    }
    self.plan = plan
    generator = root.insecureDeterministicChild(label: "encoding")
  }

  /// This client's id.
  public var id: ParticipantID { protocolClient.id }

  /// Round 0: new key pairs for the session, advertised.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` with the protocol's error.
  public mutating func advertiseKeys(for announcement: SessionAnnouncement)
    throws(PrivateAggregationError) -> AdvertiseKeysMessage
  {
    do {
      return try protocolClient.advertiseKeys(for: announcement)
    } catch {
      throw .secureAggregation(error)
    }
  }

  /// Round 1: the key shares for the neighbours, sealed to each.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` with the protocol's error.
  public mutating func shareKeys(for directory: KeyDirectoryMessage)
    throws(PrivateAggregationError) -> ShareKeysMessage
  {
    do {
      return try protocolClient.shareKeys(for: directory)
    } catch {
      throw .secureAggregation(error)
    }
  }

  /// Round 2: encodes `update` (flat, ``AggregationPlan/dimension`` values) and masks it.
  ///
  /// - Parameters:
  ///   - relay: the server's relay of this client's shares.
  ///   - update: the update; finite values only.
  ///   - weight: the weight for weighted aggregation (clamped to [0, w_max]); ignored otherwise.
  /// - Throws: the encoder's errors (``PrivateAggregationError/nonFiniteValue(index:)``,
  ///   ``PrivateAggregationError/dimensionMismatch(expected:actual:)``,
  ///   ``PrivateAggregationError/invalidInput(name:expected:)``) and the protocol's; the client
  ///   is unchanged, so a corrected update can be sent.
  public mutating func maskedInput(
    for relay: ShareRelayMessage, update: [Double], weight: Double = 1
  ) throws(PrivateAggregationError) -> MaskedInputMessage {
    var random = generator
    let encoding = try UpdateEncoder(plan: plan).encode(
      update, weight: weight, sessionID: relay.sessionID, using: &random)
    let message: MaskedInputMessage
    do {
      message = try protocolClient.maskedInput(for: relay, input: encoding.input)
    } catch {
      throw .secureAggregation(error)
    }
    wasClipped = encoding.wasClipped
    return message
  }

  /// Round 2 for an update made of tensors of the plan's shapes.
  ///
  /// - Throws: the errors of ``maskedInput(for:update:weight:)``.
  public mutating func maskedInput(
    for relay: ShareRelayMessage, tensors: [[Double]], weight: Double = 1
  ) throws(PrivateAggregationError) -> MaskedInputMessage {
    try maskedInput(for: relay, update: plan.flatten(tensors), weight: weight)
  }

  /// Round 2 for a `Float` update (widened to `Double` exactly).
  ///
  /// - Throws: the errors of ``maskedInput(for:update:weight:)``.
  public mutating func maskedInput(
    for relay: ShareRelayMessage, floats update: [Float], weight: Double = 1
  ) throws(PrivateAggregationError) -> MaskedInputMessage {
    try maskedInput(for: relay, update: update.map(Double.init), weight: weight)
  }

  /// Round 3 (active mode): this client's signature over the survivor set.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` with the protocol's error.
  public mutating func consistencySignature(for request: ConsistencyCheckRequest)
    throws(PrivateAggregationError) -> ConsistencySignatureMessage
  {
    do {
      return try protocolClient.consistencySignature(for: request)
    } catch {
      throw .secureAggregation(error)
    }
  }

  /// Round 4: the shares that unmask the survivors' sum, and nothing more.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` with the protocol's error.
  public mutating func unmaskingResponse(for request: UnmaskingRequest)
    throws(PrivateAggregationError) -> UnmaskingResponse
  {
    do {
      return try protocolClient.unmaskingResponse(for: request)
    } catch {
      throw .secureAggregation(error)
    }
  }
}
