public import SecureAggregation

/// A client of one private aggregation: turns its float update into the protocol's messages.
///
/// It runs the secure-aggregation client (``AggregationPlan/secureAggregation``) and, when the
/// server relays the key shares, encodes ``update`` with ``UpdateEncoder`` — clip, rotate,
/// round, add this client's noise share — and masks the result. A sans-IO state machine like
/// the protocol's: ``respond(to:)`` takes any server message and returns the reply to send; when
/// it throws, the client is as it was.
///
/// ```swift
/// var client = try PrivateAggregationClient(plan: plan, id: id, update: myUpdate)
/// let reply = try client.respond(to: message)  // for every message the server sends it
/// ```
public struct PrivateAggregationClient {
  /// The plan the client follows (the server must use the same one).
  public let plan: AggregationPlan
  /// The secure-aggregation client underneath.
  public private(set) var protocolClient: AggregationClient
  /// The update this client contributes: ``AggregationPlan/dimension`` finite values (flatten
  /// tensors with ``AggregationPlan/flatten(_:)``, widen `Float`s with `Double.init`). Encoded
  /// and masked when the share relay arrives, then cleared.
  public var update: [Double]?
  /// The weight for weighted aggregation (clamped to [0, w_max]); ignored otherwise.
  public var weight: Double
  /// Whether this client's update was clipped, once it has been encoded.
  public private(set) var wasClipped: Bool?
  /// Where the rounding and noise come from: the system unless made for tests.
  private let encodingSource: RandomSource
  /// The encoded vector this client masked, kept only when ``keepsMaskedInput`` (simulations
  /// check the sum against it) and only until taken.
  private var maskedInput: ModularVector?
  /// Whether to keep the masked input for ``takeMaskedInput()``; off in production.
  package var keepsMaskedInput = false
  /// The seconds the last encoding took (for simulations' timing).
  package private(set) var preparationSeconds = 0.0

  /// A client whose secrets, rounding and noise come from `randomSource`: the system's secure
  /// generator unless a test or simulation passes ``RandomSource/insecureDeterministic(seed:)``.
  ///
  /// - Parameters:
  ///   - plan: the round's plan.
  ///   - id: this client's id, 1...n.
  ///   - identityKey: active mode: this client's identity key.
  ///   - identityDirectory: active mode: every participant's identity public key, from the
  ///     caller's own directory, never from the server.
  ///   - update: the update (``update``); it may also be set later, before the share relay.
  ///   - weight: the weight for weighted aggregation.
  ///   - randomSource: where the keys (its `"keys"` child) and the rounding and noise (its
  ///     `"encoding"` child) come from; a deterministic source makes them known to whoever
  ///     knows its seed (tests and simulations only).
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` for an id outside the cohort or a
  ///   missing identity key in active mode.
  public init(
    plan: AggregationPlan, id: ParticipantID, identityKey: IdentityPrivateKey? = nil,
    identityDirectory: [ParticipantID: IdentityPublicKey] = [:], update: [Double]? = nil,
    weight: Double = 1, randomSource: RandomSource = .system
  ) throws(PrivateAggregationError) {
    try self.init(
      plan: plan, id: id, identityKey: identityKey, identityDirectory: identityDirectory,
      keySource: randomSource.child(label: "keys"),
      encodingSource: randomSource.child(label: "encoding"))
    self.update = update
    self.weight = weight
  }

  /// A client with the given randomness: `keySource` for the protocol's secrets,
  /// `encodingSource` for rounding and noise.
  package init(
    plan: AggregationPlan, id: ParticipantID, identityKey: IdentityPrivateKey?,
    identityDirectory: [ParticipantID: IdentityPublicKey], keySource: RandomSource,
    encodingSource: RandomSource
  ) throws(PrivateAggregationError) {
    protocolClient = try PrivateAggregationError.liftingProtocolError {
      () throws(SecureAggregationError) in
      try AggregationClient(
        configuration: plan.secureAggregation, id: id, identityKey: identityKey,
        identityDirectory: identityDirectory, randomSource: keySource)
    }
    self.plan = plan
    weight = 1
    self.encodingSource = encodingSource
  }

  /// This client's id.
  public var id: ParticipantID { protocolClient.id }

  /// Answers one server message, whatever the phase and mode: keys for the announcement,
  /// shares for the key directory, the encoded and masked ``update`` for the share relay, a
  /// signature for the consistency check (active mode), and the unmasking shares.
  ///
  /// A share relay is checked (phase, session, recipient) before the update is touched, so a
  /// misdirected or replayed relay costs no encoding and reveals nothing.
  ///
  /// - Throws: ``PrivateAggregationError/secureAggregation(_:)`` with the protocol's error;
  ///   for the share relay also ``PrivateAggregationError/invalidInput(name:expected:)`` when
  ///   ``update`` is `nil` or the weight is invalid, and the encoder's errors
  ///   (``PrivateAggregationError/nonFiniteValue(index:)``,
  ///   ``PrivateAggregationError/dimensionMismatch(expected:actual:)``). The client is
  ///   unchanged when it throws, so a corrected update can be sent.
  public mutating func respond(to message: ServerMessage) throws(PrivateAggregationError)
    -> ClientMessage
  {
    guard case .shareRelay(let relay) = message else {
      return try PrivateAggregationError.liftingProtocolError { () throws(SecureAggregationError) in
        try protocolClient.respond(to: message)
      }
    }
    try PrivateAggregationError.liftingProtocolError { () throws(SecureAggregationError) in
      try protocolClient.checkDeliverable(message)
    }
    guard let update else {
      throw .invalidInput(
        name: "update",
        expected: "the client's update (PrivateAggregationClient.update), set before the relay")
    }
    let clock = ContinuousClock()
    let start = clock.now
    let encoding = try UpdateEncoder(plan: plan).encode(
      update, weight: weight, sessionID: relay.sessionID, randomSource: encodingSource)
    let elapsed = clock.now - start
    let reply = try PrivateAggregationError.liftingProtocolError {
      () throws(SecureAggregationError) in
      try protocolClient.maskInput(for: relay, input: encoding.input)
    }
    preparationSeconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    wasClipped = encoding.wasClipped
    if keepsMaskedInput { maskedInput = encoding.input }
    self.update = nil
    return .maskedInput(reply)
  }
}

extension PrivateAggregationClient: DrivableClient {
  /// The encoded vector this client masked, handed over once.
  package mutating func takeMaskedInput() -> ModularVector? {
    defer { maskedInput = nil }
    return maskedInput
  }
}
