// NetworkFreeRound: one private aggregation driven message by message, every message turned
// into bytes and parsed back exactly as a transport would carry it — the guide for putting the
// protocol on your own network. Twenty clients, SecAgg+ masking, distributed discrete Gaussian
// noise; client 20 vanishes after the key exchange and the server recovers its masks.
// Run: swift run -c release NetworkFreeRound
import Foundation
import PrivateAggregation

let clientCount = 20
let dimension = 1_000
var configuration = PrivateAggregationConfiguration(
  clientCount: clientCount, dimension: dimension, clipBound: 1, noise: .targetEpsilon(4))
configuration.bits = 20
// Both sides build the same plan from the same public configuration; in a deployment the
// server publishes it (or its parameters) before the round.
let plan = try AggregationPlan(configuration)
let sessionConfiguration = plan.secureAggregation
let graph: String
switch sessionConfiguration.graph {
case .complete: graph = "complete graph"
case .harary(let degree): graph = "SecAgg+ with \(degree) neighbours each"
}
print(
  "plan: \(clientCount) clients, \(dimension) values each → \(plan.encodedLength) elements "
    + "mod 2^\(configuration.bits); \(graph), "
    + "threshold \(sessionConfiguration.threshold), ε = 4 at δ = \(configuration.delta)\n")

/// The network: every message is serialized, counted and parsed again on the other side, so
/// the parties share no memory — only these bytes.
struct Network {
  var upBytes: [ParticipantID: Int] = [:]
  var downBytes: [ParticipantID: Int] = [:]
  var phase: [String: (count: Int, bytes: Int, smallest: Int, largest: Int)] = [:]
  var order: [String] = []

  mutating func record(_ name: String, _ size: Int) {
    if phase[name] == nil { order.append(name) }
    let old = phase[name] ?? (0, 0, Int.max, 0)
    phase[name] = (old.count + 1, old.bytes + size, min(old.smallest, size), max(old.largest, size))
  }

  /// Client → server.
  mutating func toServer(_ message: ClientMessage) throws -> ClientMessage {
    let bytes = message.serializedBytes()
    upBytes[message.sender, default: 0] += bytes.count
    let name: String
    switch message {
    case .keyAdvertisement: name = "AdvertiseKeys"
    case .keyShares: name = "ShareKeys"
    case .maskedInput: name = "MaskedInput"
    case .consistencySignature: name = "ConsistencySignature"
    case .unmaskingResponse: name = "UnmaskingResponse"
    }
    record("client → server  \(name)", bytes.count)
    return try ClientMessage(serializedBytes: bytes, configuration: sessionConfiguration)
  }

  /// Server → client.
  mutating func toClient(_ message: ServerMessage) throws -> ServerMessage {
    let bytes = message.serializedBytes()
    downBytes[message.recipient, default: 0] += bytes.count
    let name: String
    switch message {
    case .sessionAnnouncement: name = "SessionAnnouncement"
    case .keyDirectory: name = "KeyDirectory"
    case .shareRelay: name = "ShareRelay"
    case .consistencyCheckRequest: name = "ConsistencyCheck"
    case .unmaskingRequest: name = "UnmaskingRequest"
    }
    record("server → client  \(name)", bytes.count)
    return try ServerMessage(serializedBytes: bytes, configuration: sessionConfiguration)
  }
}

var network = Network()
let ledger = try PrivacyLedger(delta: configuration.delta)
var server = try PrivateAggregationServer(plan: plan, ledger: ledger)
func update(of id: ParticipantID) -> [Double] {
  (0..<dimension).map { sin(Double(id.index * 31 + $0)) / (Double(dimension).squareRoot() * 1.5) }
}
var clients: [ParticipantID: PrivateAggregationClient] = [:]
for id in sessionConfiguration.participantIDs {
  clients[id] = try PrivateAggregationClient(plan: plan, id: id, update: update(of: id))
}
let dropped = sessionConfiguration.participantIDs.last

/// The whole round, one loop: the server announces the session (each client advertises two
/// public keys), relays the neighbours' keys (each client sends them encrypted Shamir shares),
/// relays the shares (each client sends its masked, noised update), and asks the survivors to
/// unmask — the dropped client's masking-key shares, the survivors' self-mask shares, never both
/// of one client. The last client vanishes after sharing its keys, before sending its input.
func aggregate(
  server: inout PrivateAggregationServer, clients: inout [ParticipantID: PrivateAggregationClient],
  network: inout Network
) throws -> PrivateAggregationResult {
  var messages = server.start()
  while true {
    for message in messages {
      let received = try network.toClient(message)
      if case .shareRelay = received, received.recipient == dropped { continue }
      guard let reply = try clients[received.recipient]?.respond(to: received) else { continue }
      try server.receive(network.toServer(reply))
    }
    switch try server.advance() {
    case .send(let next): messages = next
    case .finished(let result): return result
    }
  }
}
let result = try aggregate(server: &server, clients: &clients, network: &network)

print("what crossed the network, by message kind:")
print("direction        message               count   bytes each          total bytes")
for name in network.order {
  guard let entry = network.phase[name] else { continue }
  let each =
    entry.smallest == entry.largest ? "\(entry.smallest)" : "\(entry.smallest)–\(entry.largest)"
  print(
    name.padding(toLength: 39, withPad: " ", startingAt: 0)
      + "\(entry.count)".padding(toLength: 8, withPad: " ", startingAt: 0)
      + each.padding(toLength: 20, withPad: " ", startingAt: 0) + "\(entry.bytes)")
}
let up = network.upBytes.values.reduce(0, +)
let down = network.downBytes.values.reduce(0, +)
let survivorUp = network.upBytes.filter { $0.key != dropped }.map(\.value)
print(
  "\nper surviving client: sent \(survivorUp.min() ?? 0)–\(survivorUp.max() ?? 0) bytes "
    + "(the masked input is \(plan.encodedLength) elements × \(configuration.bits) bits "
    + "= \(plan.encodedLength * configuration.bits / 8) bytes of it)")
print("all clients sent \(up) bytes; the server sent \(down) bytes")

let survivors = result.survivors
var trueMean = [Double](repeating: 0, count: dimension)
for id in survivors {
  for (index, value) in update(of: id).enumerated() { trueMean[index] += value }
}
trueMean = trueMean.map { $0 / Double(survivors.count) }
var squaredError = 0.0
for (released, exact) in zip(result.release.mean, trueMean) {
  squaredError += (released - exact) * (released - exact)
}
print(
  "\nreleased the mean of \(survivors.count) of \(clientCount) clients "
    + "(client \(dropped.map { "\($0.index)" } ?? "?") dropped, its masks recovered from shares)")
print(
  "RMS error per coordinate: \(String(format: "%.4f", (squaredError / Double(dimension)).squareRoot())) "
    + "(the noise of ε = 4 for one client's whole vector, shared by only 19 clients); "
    + "first values private / true: "
    + (0..<3).map {
      String(format: "%.3f / %.3f", result.release.mean[$0], trueMean[$0])
    }.joined(separator: ", "))
print("ε spent: \(String(format: "%.3f", ledger.epsilon.epsilon)) at δ = \(ledger.epsilon.delta)")
