public import SecureAggregation

/// A round's phase as the service's log names it: the stable, kebab-case `PHASE` of the line
/// `round ROUND phase PHASE` that ``RoundService`` logs once per change, so that scripts can
/// wait for it.
///
/// The protocol phases follow the server's (`AggregationServer/Phase`): ``keyAdvertisement``,
/// ``keyShares``, ``maskedInput``, ``consistencyCheck`` (active mode only) and ``unmasking``;
/// before them ``checkingIn``, and one of ``finished``, ``failed`` or ``refused`` at the end.
public enum RoundPhaseName: String, Sendable, Hashable, CaseIterable {
  /// Clients are checking in.
  case checkingIn = "checking-in"
  /// The clients advertise their public keys.
  case keyAdvertisement = "key-advertisement"
  /// The clients send their encrypted key shares.
  case keyShares = "key-shares"
  /// The clients send their masked inputs.
  case maskedInput = "masked-input"
  /// Active mode: the clients sign the survivor set.
  case consistencyCheck = "consistency-check"
  /// The clients reveal the shares that remove the masks.
  case unmasking
  /// The sum is released.
  case finished
  /// The round ended without a release (too few clients).
  case failed
  /// The population's budget could not pay for the round: it never started.
  case refused

  /// The name of the protocol server's phase.
  public init(_ phase: AggregationServer.Phase) {
    switch phase {
    case .collectingKeys: self = .keyAdvertisement
    case .collectingShares: self = .keyShares
    case .collectingMaskedInputs: self = .maskedInput
    case .collectingSignatures: self = .consistencyCheck
    case .collectingUnmaskingResponses: self = .unmasking
    case .finished: self = .finished
    }
  }
}
