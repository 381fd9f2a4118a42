/// The rounds of the protocol, in order (Bonawitz et al. 2017, Figure 4).
public enum ProtocolRound: Int, Sendable, Hashable, Comparable, CaseIterable {
  /// Round 0: clients advertise two public keys (share encryption c, masking s).
  case advertiseKeys = 0
  /// Round 1: clients send their Shamir shares, encrypted for each neighbour, via the server.
  case shareKeys = 1
  /// Round 2: clients send their masked inputs; the server adds them into one running sum.
  case maskedInputCollection = 2
  /// Round 3 (active mode only): clients sign the survivor set they were shown.
  case consistencyCheck = 3
  /// Round 4: clients reveal one share per neighbour; the server removes the masks.
  case unmasking = 4

  /// Orders rounds by number.
  public static func < (lhs: ProtocolRound, rhs: ProtocolRound) -> Bool {
    lhs.rawValue < rhs.rawValue
  }

  /// The round's name as the CLI and reports spell it.
  public var name: String {
    switch self {
    case .advertiseKeys: return "advertise"
    case .shareKeys: return "share"
    case .maskedInputCollection: return "masked-input"
    case .consistencyCheck: return "consistency"
    case .unmasking: return "unmasking"
    }
  }
}
