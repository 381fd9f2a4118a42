// FederatedDigits: federated softmax regression on the UCI handwritten digits, every round's
// mean model change through the full private-aggregation pipeline (clipping, randomized
// rotation, distributed discrete Gaussian noise, SecAgg+ masking), beside the same training
// without noise.
// Run: swift run -c release FederatedDigits [--epsilon 4] [--split by-label] [--help]
import ArgumentParser
import DigitsTraining
import Foundation
import PrivateAggregation

@main
struct FederatedDigits: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Federated training on the UCI digits with secure aggregation and distributed DP.")

  @Option(help: "Clients holding the training images (1,437 images in all).")
  var clients = 300
  @Option(help: "Each client's chance of joining a round (Poisson sampling).")
  var samplingRate = FederatedTraining.Configuration().samplingRate
  @Option(help: "The expected cohort size instead: sets --sampling-rate to this over --clients.")
  var cohortSize: Int?
  @Option(help: "Rounds of federated averaging.")
  var rounds = 40
  @Option(help: "Local gradient steps per round.")
  var localEpochs = 10
  @Option(help: "The clients' gradient step size.")
  var learningRate = FederatedTraining.Configuration().learningRate
  @Option(help: "The server's step: the model moves by this times the mean change.")
  var serverLearningRate = FederatedTraining.Configuration().serverLearningRate
  @Option(help: "The server's momentum (FedAvgM), in [0, 1).")
  var serverMomentum = FederatedTraining.Configuration().serverMomentum
  @Option(help: "The L2 clip bound of each client's model change.")
  var clip = 1.0
  @Option(help: "The ε of the whole training, at --delta.")
  var epsilon = 4.0
  @Option(help: "The δ of the guarantee.")
  var delta = 1e-5
  @Option(help: "Bits per element of the secure sum.")
  var bits = 16
  @Option(help: "How images are dealt: iid or by-label (two digits per client).")
  var split = "iid"
  @Option(help: "The seed of every random choice (a reproducible, insecure simulation).")
  var seed: UInt64 = 1

  func run() throws {
    guard let dealing = FederatedTraining.Split(rawValue: split) else {
      throw ValidationError("--split must be iid or by-label")
    }
    let data = try DigitsDataset.bundled()
    var configuration = FederatedTraining.Configuration()
    configuration.clients = clients
    if let cohortSize {
      guard cohortSize >= 1, cohortSize <= clients else {
        throw ValidationError("--cohort-size must be 1...\(clients) (--clients)")
      }
      configuration.samplingRate = Double(cohortSize) / Double(clients)
    } else {
      configuration.samplingRate = samplingRate
    }
    configuration.rounds = rounds
    configuration.localEpochs = localEpochs
    configuration.learningRate = learningRate
    configuration.serverLearningRate = serverLearningRate
    configuration.serverMomentum = serverMomentum
    configuration.clipBound = clip
    configuration.delta = delta
    configuration.bits = bits
    configuration.split = dealing
    configuration.seed = seed

    var plain = configuration
    plain.privacy = .none
    var secret = configuration
    secret.epsilon = epsilon
    let baseline = try FederatedTraining(configuration: plain, data: data)
    let training = try FederatedTraining(configuration: secret, data: data)
    print(
      "\(data.count) images: \(baseline.train.count) for training on \(clients) clients "
        + "(\(split)), \(baseline.test.count) held out; each round samples each client "
        + "with probability \(configuration.samplingRate)")
    print(
      "private: distributed discrete Gaussian, ε = \(epsilon) at δ = \(delta) over \(rounds) "
        + "rounds, noise multiplier \(format(training.noiseMultiplier ?? 0)), \(bits) bits")
    print("round  cohort  accuracy (no noise)  accuracy (private)  ε spent")
    var baselineLogs: [FederatedTraining.RoundLog] = []
    _ = try baseline.run { baselineLogs.append($0) }
    let outcome = try training.run { log in
      let plainAccuracy = baselineLogs[log.round - 1].testAccuracy
      print(
        pad("\(log.round)", 7) + pad("\(log.cohort)", 8) + pad(format(plainAccuracy), 21)
          + pad(format(log.testAccuracy), 20) + format(log.epsilonSpent ?? 0))
    }
    print(
      "(ε with amplification by Poisson sampling, for whoever sees only the models; against a "
        + "server that sees or picks each cohort the same rounds give ε = "
        + "\(format(outcome.epsilonWithoutAmplification ?? 0)))")
    print(
      "final test accuracy: \(format(baselineLogs.last?.testAccuracy ?? 0)) without noise, "
        + "\(format(outcome.testAccuracy)) with ε = \(format(outcome.epsilonSpent ?? 0))")
  }

  func pad(_ text: String, _ width: Int) -> String {
    text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
  }

  func format(_ value: Double) -> String { String(format: "%.3f", value) }
}
