// QuickStart: ten clients, a vector each; the server learns only their noised mean.
// Run: swift run -c release QuickStart
import Foundation
import PrivateAggregation

let n = 10
var configuration = PrivateAggregationConfiguration(
  clientCount: n, dimension: 8, clipBound: 1, privacy: .distributed(.discreteGaussian),
  noise: .targetEpsilon(8))
configuration.graph = .complete  // ten clients: every client is every other's neighbour
let plan = try AggregationPlan(configuration)

// Each client's private vector (norm below the clip bound 1).
let updates: [[Double]] = (1...n).map { client in
  (0..<8).map { coordinate -> Double in
    let value: Int = (client * 7 + coordinate * 3) % 11
    return Double(value) / 40
  }
}

let ledger = try PrivacyLedger(delta: configuration.delta)  // shared: every round charges it
var server = try PrivateAggregationServer(plan: plan, ledger: ledger)
var clients: [ParticipantID: PrivateAggregationClient] = [:]
for (id, update) in zip(plan.secureAggregation.participantIDs, updates) {
  clients[id] = try PrivateAggregationClient(plan: plan, id: id, update: update)
}

// One loop, whatever the mode: a real transport would carry each message's serializedBytes().
func aggregate(
  server: inout PrivateAggregationServer, clients: inout [ParticipantID: PrivateAggregationClient]
) throws -> PrivateAggregationResult {
  var messages = server.start()
  while true {
    for message in messages {
      // Each client clips, rotates, rounds, adds its noise share and masks when its turn comes.
      if let reply = try clients[message.recipient]?.respond(to: message) {
        try server.receive(reply)
      }
    }
    switch try server.advance() {
    case .send(let next): messages = next
    case .finished(let result): return result
    }
  }
}
let result = try aggregate(server: &server, clients: &clients)

let trueMean = (0..<8).map { coordinate in
  updates.map { $0[coordinate] }.reduce(0, +) / Double(n)
}
print("coordinate  private mean  true mean")
for coordinate in 0..<8 {
  let privateValue = result.release.mean[coordinate]
  print(
    "\(coordinate)".padding(toLength: 12, withPad: " ", startingAt: 0)
      + "\((privateValue * 1000).rounded() / 1000)".padding(
        toLength: 14, withPad: " ", startingAt: 0)
      + "\((trueMean[coordinate] * 1000).rounded() / 1000)")
}
let spent = ledger.epsilon
print("survivors: \(result.survivors.count); ε spent: \(spent.epsilon) at δ = \(spent.delta)")
print("(ε protects one client's whole vector; with only ten clients the noise is large)")
