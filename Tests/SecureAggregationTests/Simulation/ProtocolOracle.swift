@testable import SecureAggregation

/// A set-level model of the protocol: from a configuration, its graph and a dropout schedule it
/// predicts who completes each round, which clients refuse, and whether the server must abort.
/// It shares no code with the state machines beyond the graph, so the property tests compare two
/// independent accounts of the same rules.
struct ProtocolOracle {
  enum Outcome: Equatable {
    case aborted
    case released(survivors: [ParticipantID])
  }

  static func outcome(
    configuration: AggregationConfiguration, graph: NeighborGraph, dropouts: DropoutSchedule
  ) -> Outcome {
    let t = configuration.threshold
    let minimum = configuration.minimumSurvivors
    let everyone = configuration.participantIDs
    func neighbors(_ id: ParticipantID) -> Set<ParticipantID> { Set(graph.neighbors(of: id)) }

    // Round 0.
    let u1 = Set(everyone.filter { dropouts.isActive($0, in: .advertiseKeys) })
    guard u1.count >= minimum else { return .aborted }
    // Round 1: a client refuses with fewer than t neighbours in U1.
    let u2 = Set(
      u1.filter {
        dropouts.isActive($0, in: .shareKeys) && neighbors($0).intersection(u1).count >= t
      })
    guard u2.count >= minimum else { return .aborted }
    // Round 2: client v holds the shares of N2(v) = N(v) ∩ U2 \ {v}; refuses with fewer than t.
    func held(_ v: ParticipantID) -> Set<ParticipantID> { neighbors(v).intersection(u2) }
    let u3 = Set(
      u2.filter { dropouts.isActive($0, in: .maskedInputCollection) && held($0).count >= t })
    guard u3.count >= minimum else { return .aborted }
    // Unmasking eligibility: a client checks |U3| ≥ minimum (true here) and that at least t of
    // the neighbours whose shares it holds survived.
    func accepts(_ v: ParticipantID) -> Bool { held(v).intersection(u3).count >= t }
    var responders: Set<ParticipantID>
    if configuration.securityMode == .active {
      let u4 = Set(u3.filter { dropouts.isActive($0, in: .consistencyCheck) && accepts($0) })
      // A signer unmasks only with ≥ t signatures from its neighbours in U4.
      responders = Set(
        u4.filter {
          dropouts.isActive($0, in: .unmasking) && neighbors($0).intersection(u4).count >= t
        })
    } else {
      responders = Set(u3.filter { dropouts.isActive($0, in: .unmasking) && accepts($0) })
    }
    // Recovery: a survivor's seed needs t responders holding its shares; a dropped client in U2
    // whose mask some survivor applied needs t responders holding its shares.
    for u in u3 {
      let holders = responders.filter { held($0).contains(u) }
      if holders.count < t { return .aborted }
    }
    for u in u2.subtracting(u3) {
      let affected = u3.contains { held($0).contains(u) }
      guard affected else { continue }
      let holders = responders.filter { held($0).contains(u) }
      if holders.count < t { return .aborted }
    }
    return .released(survivors: u3.sorted())
  }
}
