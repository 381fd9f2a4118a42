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
  mutating func toServer(_ message: ClientMessage, named name: String) throws -> ClientMessage {
    let bytes = message.serializedBytes()
    upBytes[message.sender, default: 0] += bytes.count
    record("client → server  \(name)", bytes.count)
    return try ClientMessage(serializedBytes: bytes, configuration: sessionConfiguration)
  }

  /// Server → client (the announcement is sent once to each client).
  mutating func toClient(
    _ message: ServerMessage, to recipient: ParticipantID, named name: String
  ) throws -> ServerMessage {
    let bytes = message.serializedBytes()
    downBytes[recipient, default: 0] += bytes.count
    record("server → client  \(name)", bytes.count)
    return try ServerMessage(serializedBytes: bytes, configuration: sessionConfiguration)
  }
}

var network = Network()
let ledger = try PrivacyLedger(delta: configuration.delta)
var server = try PrivateAggregationServer(plan: plan, ledger: ledger)
var clients: [ParticipantID: PrivateAggregationClient] = [:]
for id in sessionConfiguration.participantIDs {
  clients[id] = try PrivateAggregationClient(plan: plan, id: id)
}
func update(of id: ParticipantID) -> [Double] {
  (0..<dimension).map { sin(Double(id.index * 31 + $0)) / (Double(dimension).squareRoot() * 1.5) }
}
let dropped = sessionConfiguration.participantIDs.last

// Round 0: the server announces the session; each client advertises two public keys.
for id in sessionConfiguration.participantIDs {
  guard var client = clients[id],
    case .announcement(let announcement) = try network.toClient(
      .announcement(server.announcement), to: id, named: "SessionAnnouncement")
  else { fatalError("the announcement parses as an announcement") }
  let message = try network.toServer(
    .advertiseKeys(client.advertiseKeys(for: announcement)), named: "AdvertiseKeys")
  try server.receive(message)
  clients[id] = client
}
// Round 1: each client gets its neighbours' keys and sends them encrypted Shamir shares.
for directory in try server.closeAdvertiseKeys() {
  guard var client = clients[directory.recipient],
    case .keyDirectory(let received) = try network.toClient(
      .keyDirectory(directory), to: directory.recipient, named: "KeyDirectory")
  else { fatalError("a key directory parses as a key directory") }
  try server.receive(
    network.toServer(.shareKeys(client.shareKeys(for: received)), named: "ShareKeys"))
  clients[directory.recipient] = client
}
// Round 2: each client gets the shares addressed to it and sends its masked, noised update.
// The last client vanishes here, after sharing its keys and before sending its input.
for relay in try server.closeShareKeys() where relay.recipient != dropped {
  guard var client = clients[relay.recipient],
    case .shareRelay(let received) = try network.toClient(
      .shareRelay(relay), to: relay.recipient, named: "ShareRelay")
  else { fatalError("a share relay parses as a share relay") }
  let masked = try client.maskedInput(for: received, update: update(of: relay.recipient))
  try server.receive(network.toServer(.maskedInput(masked), named: "MaskedInput"))
  clients[relay.recipient] = client
}
// Round 4 (round 3 is active mode's consistency check): the survivors reveal what the server
// needs to remove the masks — the dropped client's masking-key shares, the survivors'
// self-mask shares — never both of one client.
guard case .unmasking(let requests) = try server.closeMaskedInputCollection() else {
  fatalError("semi-honest mode goes straight to unmasking")
}
for request in requests {
  guard var client = clients[request.recipient],
    case .unmasking(let received) = try network.toClient(
      .unmasking(request), to: request.recipient, named: "UnmaskingRequest")
  else { fatalError("an unmasking request parses as one") }
  try server.receive(
    network.toServer(
      .unmaskingResponse(client.unmaskingResponse(for: received)), named: "UnmaskingResponse"))
  clients[request.recipient] = client
}
let result = try server.finish()

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
