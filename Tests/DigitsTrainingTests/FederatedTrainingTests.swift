import DigitsTraining
import PrivateAggregation
import Testing

@Suite struct FederatedTrainingTests {
  let data: DigitsDataset

  init() throws {
    data = try DigitsDataset.bundled()
  }

  func configuration(
    privacy: PrivacyMode = .none, epsilon: Double? = nil, rounds: Int = 8
  ) -> FederatedTraining.Configuration {
    var configuration = FederatedTraining.Configuration()
    configuration.clients = 60
    configuration.samplingRate = 0.4
    configuration.rounds = rounds
    configuration.localEpochs = 5
    configuration.privacy = privacy
    configuration.epsilon = epsilon
    configuration.seed = 5
    return configuration
  }

  @Test func withoutNoiseTheFederatedModelLearns() throws {
    let training = try FederatedTraining(configuration: configuration(), data: data)
    #expect(training.noiseMultiplier == nil)
    let outcome = try training.run()
    #expect(outcome.rounds.count == 8)
    #expect(outcome.rounds.allSatisfy { $0.epsilonSpent == nil && $0.survivors == $0.cohort })
    // Poisson sampling: cohorts vary around 0.4 · 60 = 24.
    #expect(Set(outcome.rounds.map(\.cohort)).count > 1)
    #expect(outcome.rounds.allSatisfy { (8...40).contains($0.cohort) })
    #expect((outcome.rounds.first?.testAccuracy ?? 1) < outcome.testAccuracy)
    #expect(outcome.testAccuracy > 0.8)
  }

  @Test func privateTrainingSpendsItsBudgetAndIsReproducible() throws {
    let settings = configuration(
      privacy: .distributed(.discreteGaussian), epsilon: 8, rounds: 3)
    let first = try FederatedTraining(configuration: settings, data: data).run()
    let second = try FederatedTraining(configuration: settings, data: data).run()
    #expect(first.rounds == second.rounds)
    #expect(first.model == second.model)
    let spent = try #require(first.epsilonSpent)
    // Calibrated at the expected cohort size (24); the actual cohorts (26, 25, 24 with this seed)
    // are planned at the same z, so the ε spent stays within 2 % of the target (7.9992 here).
    #expect(abs(spent / 8 - 1) <= 0.02, "ε spent \(spent) for a target of 8")
    // Counted without amplification the same three rounds cost more.
    let full = try #require(first.epsilonWithoutAmplification)
    #expect(full > spent)
    let epsilons = first.rounds.compactMap(\.epsilonSpent)
    #expect(epsilons.count == 3 && epsilons == epsilons.sorted())
    var noiseless = settings
    noiseless.privacy = .none
    let plain = try FederatedTraining(configuration: noiseless, data: data).run()
    #expect(plain.model != first.model)
  }

  @Test func dealingByLabelGivesClientsFewDigits() throws {
    var settings = configuration()
    settings.split = .byLabel
    let byLabel = try FederatedTraining(configuration: settings, data: data)
    let iid = try FederatedTraining(configuration: configuration(), data: data)
    func meanDistinct(_ training: FederatedTraining) -> Double {
      let counts = training.clientData.map { Set($0.labels).count }
      return Double(counts.reduce(0, +)) / Double(counts.count)
    }
    #expect(byLabel.clientData.map(\.count).reduce(0, +) == byLabel.train.count)
    #expect(iid.clientData.map(\.count).reduce(0, +) == iid.train.count)
    #expect(meanDistinct(byLabel) <= 3)
    #expect(meanDistinct(iid) >= 8)
  }

  @Test func badParametersAreNamed() {
    func name(_ change: (inout FederatedTraining.Configuration) -> Void) -> String? {
      var settings = configuration()
      change(&settings)
      do {
        _ = try FederatedTraining(configuration: settings, data: data)
        return nil
      } catch let DigitsTrainingError.invalidParameter(name, _, _) {
        return name
      } catch {
        return "\(error)"
      }
    }
    #expect(name { $0.clients = 1 } == "clients")
    #expect(name { $0.clients = 5_000 } == "clients")
    #expect(name { $0.samplingRate = 0 } == "samplingRate")
    #expect(name { $0.samplingRate = 0.1 } == "samplingRate")  // an expected cohort of 6
    #expect(name { $0.rounds = 0 } == "rounds")
    #expect(name { $0.localEpochs = 0 } == "localEpochs")
    #expect(name { $0.learningRate = .nan } == "learningRate")
    #expect(name { $0.serverMomentum = 1 } == "serverMomentum")
    #expect(name { $0.privacy = .central } == "epsilon")
  }
}
