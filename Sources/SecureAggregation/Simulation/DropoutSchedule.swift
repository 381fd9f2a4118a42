/// Which clients vanish in a simulated session, and when: a client scheduled for round r sends
/// every message before r and nothing from r on.
public struct DropoutSchedule: Sendable, Hashable {
  /// The round each dropping client stops in.
  public var dropouts: [ParticipantID: ProtocolRound]

  /// A schedule from explicit entries.
  public init(_ dropouts: [ParticipantID: ProtocolRound] = [:]) {
    self.dropouts = dropouts
  }

  /// Drops ⌊fraction · n⌉ clients, chosen at random from `seed`, all in `round`.
  ///
  /// - Throws: ``SecureAggregationError/invalidParameter(name:value:expected:)`` unless
  ///   0 ≤ fraction ≤ 1.
  public static func random(
    clientCount: Int, fraction: Double, round: ProtocolRound, seed: UInt64
  ) throws(SecureAggregationError) -> DropoutSchedule {
    guard fraction.isFinite, (0...1).contains(fraction) else {
      throw .invalidParameter(name: "dropout fraction", value: "\(fraction)", expected: "0...1")
    }
    let count = Int((fraction * Double(clientCount)).rounded())
    var generator = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed ^ 0x6472_6f70)
    let chosen = (1...max(clientCount, 1)).compactMap { ParticipantID($0) }
      .shuffled(using: &generator).prefix(count)
    return DropoutSchedule(Dictionary(uniqueKeysWithValues: chosen.map { ($0, round) }))
  }

  /// Whether `client` still sends its message in `round`.
  public func isActive(_ client: ParticipantID, in round: ProtocolRound) -> Bool {
    guard let stop = dropouts[client] else { return true }
    return round < stop
  }
}
