import DifferentialPrivacy
import Testing

@Suite struct RDPAccountantTests {
  /// dp-accounting 0.6.0's ε for the Poisson-subsampled Gaussian composed T times, on its default
  /// orders: (z, q, T, δ, ε, optimal order). Produced with `pip install dp-accounting==0.6.0` and
  ///
  ///     import dp_accounting
  ///     from dp_accounting.rdp import rdp_privacy_accountant as rdp
  ///     for z in [0.5, 0.8, 1.0, 2.0, 5.0]:
  ///       for q in [0.001, 0.01, 0.1, 1.0]:
  ///         for t in [1, 10, 100, 1000]:
  ///           for d in [1e-5, 1e-6]:
  ///             a = rdp.RdpAccountant()
  ///             a.compose(dp_accounting.PoissonSampledDpEvent(
  ///                 q, dp_accounting.GaussianDpEvent(z)), t)
  ///             e, o = a.get_epsilon_and_optimal_order(d)
  ///             print(f"    ({z}, {q}, {t}, {d:g}, {e:.10g}, {float(o):g}),")
  static let dpAccountingReference:
    [(z: Double, q: Double, rounds: Int, delta: Double, epsilon: Double, order: Double)] = [
      (0.5, 0.001, 1, 1e-05, 2.835610361, 4.4),
      (0.5, 0.001, 1, 1e-06, 3.512841271, 4.4),
      (0.5, 0.001, 10, 1e-05, 3.155549718, 4.1),
      (0.5, 0.001, 10, 1e-06, 3.898319103, 4.1),
      (0.5, 0.001, 100, 1e-05, 3.598125015, 3.8),
      (0.5, 0.001, 100, 1e-06, 4.420476834, 3.8),
      (0.5, 0.001, 1000, 1e-05, 4.382144963, 3.4),
      (0.5, 0.001, 1000, 1e-06, 5.329207971, 3.5),
      (0.5, 0.01, 1, 1e-05, 4.395183549, 3.4),
      (0.5, 0.01, 1, 1e-06, 5.336663953, 3.5),
      (0.5, 0.01, 10, 1e-05, 5.621563122, 2.9),
      (0.5, 0.01, 10, 1e-06, 6.774927806, 3),
      (0.5, 0.01, 100, 1e-05, 8.034119714, 2.5),
      (0.5, 0.01, 100, 1e-06, 9.501578973, 2.6),
      (0.5, 0.01, 1000, 1e-05, 15.47213342, 2),
      (0.5, 0.01, 1000, 1e-06, 17.56803271, 2.1),
      (0.5, 0.1, 1, 1e-05, 7.35527276, 3),
      (0.5, 0.1, 1, 1e-06, 8.424473778, 3.3),
      (0.5, 0.1, 10, 1e-05, 14.41832701, 2),
      (0.5, 0.1, 10, 1e-06, 16.66984754, 2.1),
      (0.5, 0.1, 100, 1e-05, 36.96666522, 1.7),
      (0.5, 0.1, 100, 1e-06, 40.2560725, 1.7),
      (0.5, 0.1, 1000, 1e-05, 236.4514168, 1.7),
      (0.5, 0.1, 1000, 1e-06, 239.7408241, 1.7),
      (0.5, 1.0, 1, 1e-05, 10.7255097, 3.3),
      (0.5, 1.0, 1, 1e-06, 11.6886268, 3.5),
      (0.5, 1.0, 10, 1e-05, 48.80169282, 1.7),
      (0.5, 1.0, 10, 1e-06, 51.72372465, 1.8),
      (0.5, 1.0, 100, 1e-05, 294.8612601, 1.2),
      (0.5, 1.0, 100, 1e-06, 303.7108172, 1.3),
      (0.5, 1.0, 1000, 1e-05, 2311.778258, 1.1),
      (0.5, 1.0, 1000, 1e-06, 2334.804109, 1.1),
      (0.8, 0.001, 1, 1e-05, 0.9835189825, 9.6),
      (0.8, 0.001, 1, 1e-06, 1.251261435, 9.6),
      (0.8, 0.001, 10, 1e-05, 1.028640995, 9.3),
      (0.8, 0.001, 10, 1e-06, 1.306060886, 9.3),
      (0.8, 0.001, 100, 1e-05, 1.082100439, 8.9),
      (0.8, 0.001, 100, 1e-06, 1.371066893, 9),
      (0.8, 0.001, 1000, 1e-05, 1.158904137, 8.6),
      (0.8, 0.001, 1000, 1e-06, 1.46187586, 8.6),
      (0.8, 0.01, 1, 1e-05, 1.584099258, 6.8),
      (0.8, 0.01, 1, 1e-06, 1.981096688, 6.8),
      (0.8, 0.01, 10, 1e-05, 1.78419244, 6.2),
      (0.8, 0.01, 10, 1e-06, 2.221013664, 6.3),
      (0.8, 0.01, 100, 1e-05, 2.185327514, 5.7),
      (0.8, 0.01, 100, 1e-06, 2.675239236, 5.7),
      (0.8, 0.01, 1000, 1e-05, 3.695613193, 4.8),
      (0.8, 0.01, 1000, 1e-06, 4.293456746, 4.9),
      (0.8, 0.1, 1, 1e-05, 3.252608039, 4.6),
      (0.8, 0.1, 1, 1e-06, 3.875697861, 4.8),
      (0.8, 0.1, 10, 1e-05, 5.444103787, 3.4),
      (0.8, 0.1, 10, 1e-06, 6.396030046, 3.5),
      (0.8, 0.1, 100, 1e-05, 12.40862557, 2.4),
      (0.8, 0.1, 100, 1e-06, 13.9504283, 2.5),
      (0.8, 0.1, 1000, 1e-05, 45.69563138, 1.8),
      (0.8, 0.1, 1000, 1e-06, 48.57386275, 1.8),
      (0.8, 1.0, 1, 1e-05, 6.122757865, 4.6),
      (0.8, 1.0, 1, 1e-06, 6.73462461, 5),
      (0.8, 1.0, 10, 1e-05, 25.51842095, 2.2),
      (0.8, 1.0, 10, 1e-06, 27.38482163, 2.3),
      (0.8, 1.0, 100, 1e-05, 136.0633701, 1.4),
      (0.8, 1.0, 100, 1e-06, 141.8198328, 1.4),
      (0.8, 1.0, 1000, 1e-05, 971.1532576, 1.1),
      (0.8, 1.0, 1000, 1e-06, 994.1791085, 1.1),
      (1.0, 0.001, 1, 1e-05, 0.6087728218, 14),
      (1.0, 0.001, 1, 1e-06, 0.785894752, 14),
      (1.0, 0.001, 10, 1e-05, 0.6112527966, 14),
      (1.0, 0.001, 10, 1e-06, 0.7883747268, 14),
      (1.0, 0.001, 100, 1e-05, 0.6360525446, 14),
      (1.0, 0.001, 100, 1e-06, 0.8131744749, 14),
      (1.0, 0.001, 1000, 1e-05, 0.6778257246, 13),
      (1.0, 0.001, 1000, 1e-06, 0.8697078157, 13),
      (1.0, 0.01, 1, 1e-05, 0.955549148, 9.9),
      (1.0, 0.01, 1, 1e-06, 1.212123844, 10),
      (1.0, 0.01, 10, 1e-05, 1.035305938, 9.4),
      (1.0, 0.01, 10, 1e-06, 1.309278189, 9.5),
      (1.0, 0.01, 100, 1e-05, 1.214145294, 8.8),
      (1.0, 0.01, 100, 1e-06, 1.507389492, 8.9),
      (1.0, 0.01, 1000, 1e-05, 2.101366525, 7.8),
      (1.0, 0.01, 1000, 1e-06, 2.436693803, 8),
      (1.0, 0.1, 1, 1e-05, 2.133005995, 6),
      (1.0, 0.1, 1, 1e-06, 2.58258905, 6.2),
      (1.0, 0.1, 10, 1e-05, 3.441642764, 4.6),
      (1.0, 0.1, 10, 1e-06, 4.068232282, 4.7),
      (1.0, 0.1, 100, 1e-05, 7.903850224, 3.2),
      (1.0, 0.1, 100, 1e-06, 8.921391653, 3.3),
      (1.0, 0.1, 1000, 1e-05, 27.16349434, 2),
      (1.0, 0.1, 1000, 1e-06, 29.46607943, 2),
      (1.0, 1.0, 1, 1e-05, 4.728507067, 5.4),
      (1.0, 1.0, 1, 1e-06, 5.221539631, 5.9),
      (1.0, 1.0, 10, 1e-05, 19.05359753, 2.5),
      (1.0, 1.0, 10, 1e-06, 20.55199163, 2.6),
      (1.0, 1.0, 100, 1e-05, 96.11630843, 1.5),
      (1.0, 1.0, 100, 1e-06, 100.7214786, 1.5),
      (1.0, 1.0, 1000, 1e-05, 654.8612601, 1.2),
      (1.0, 1.0, 1000, 1e-06, 666.3741855, 1.2),
      (2.0, 0.001, 1, 1e-05, 0.1206546594, 55),
      (2.0, 0.001, 1, 1e-06, 0.1628402823, 56),
      (2.0, 0.001, 10, 1e-05, 0.1207567951, 55),
      (2.0, 0.001, 10, 1e-06, 0.1633972598, 55),
      (2.0, 0.001, 100, 1e-05, 0.1217781522, 55),
      (2.0, 0.001, 100, 1e-06, 0.1644186168, 55),
      (2.0, 0.001, 1000, 1e-05, 0.1310693537, 54),
      (2.0, 0.001, 1000, 1e-06, 0.1745143555, 54),
      (2.0, 0.01, 1, 1e-05, 0.1935781531, 37),
      (2.0, 0.01, 1, 1e-06, 0.2575388502, 37),
      (2.0, 0.01, 10, 1e-05, 0.2042581595, 36),
      (2.0, 0.01, 10, 1e-06, 0.270046305, 36),
      (2.0, 0.01, 100, 1e-05, 0.2571292377, 36),
      (2.0, 0.01, 100, 1e-06, 0.3229173833, 36),
      (2.0, 0.01, 1000, 1e-05, 0.6861853364, 24),
      (2.0, 0.01, 1000, 1e-06, 0.7827964236, 26),
      (2.0, 0.1, 1, 1e-05, 0.5259327242, 18),
      (2.0, 0.1, 1, 1e-06, 0.6613789061, 18),
      (2.0, 0.1, 10, 1e-05, 0.9355049859, 14),
      (2.0, 0.1, 10, 1e-06, 1.105316917, 15),
      (2.0, 0.1, 100, 1e-05, 2.580570951, 7.6),
      (2.0, 0.1, 100, 1e-06, 2.914173762, 8.2),
      (2.0, 0.1, 1000, 1e-05, 8.946956796, 3.5),
      (2.0, 0.1, 1000, 1e-06, 9.823878897, 3.8),
      (2.0, 1.0, 1, 1e-05, 2.165715659, 9.6),
      (2.0, 1.0, 1, 1e-06, 2.419102489, 10.6),
      (2.0, 1.0, 10, 1e-05, 8.079406222, 3.9),
      (2.0, 1.0, 10, 1e-06, 8.846874359, 4.1),
      (2.0, 1.0, 100, 1e-05, 35.08175402, 1.9),
      (2.0, 1.0, 100, 1e-06, 37.4292162, 2),
      (2.0, 1.0, 1000, 1e-05, 198.5355336, 1.3),
      (2.0, 1.0, 1000, 1e-06, 206.2108172, 1.3),
      (5.0, 0.001, 1, 1e-05, 0.01949431349, 256),
      (5.0, 0.001, 1, 1e-06, 0.02852405895, 256),
      (5.0, 0.001, 10, 1e-05, 0.01954182806, 256),
      (5.0, 0.001, 10, 1e-06, 0.02857157352, 256),
      (5.0, 0.001, 100, 1e-05, 0.02001697376, 256),
      (5.0, 0.001, 100, 1e-06, 0.02904671922, 256),
      (5.0, 0.001, 1000, 1e-05, 0.02476843075, 256),
      (5.0, 0.001, 1000, 1e-06, 0.03379817621, 256),
      (5.0, 0.01, 1, 1e-05, 0.04488049434, 128),
      (5.0, 0.01, 1, 1e-06, 0.06301108562, 128),
      (5.0, 0.01, 10, 1e-05, 0.04736159718, 128),
      (5.0, 0.01, 10, 1e-06, 0.06549218846, 128),
      (5.0, 0.01, 100, 1e-05, 0.07217262555, 128),
      (5.0, 0.01, 100, 1e-06, 0.09030321684, 128),
      (5.0, 0.01, 1000, 1e-05, 0.2343668338, 60),
      (5.0, 0.01, 1000, 1e-06, 0.2718816201, 63),
      (5.0, 0.1, 1, 1e-05, 0.1199603811, 63),
      (5.0, 0.1, 1, 1e-06, 0.1570988503, 63),
      (5.0, 0.1, 10, 1e-05, 0.2609007668, 50),
      (5.0, 0.1, 10, 1e-06, 0.3056944479, 55),
      (5.0, 0.1, 100, 1e-05, 0.8348633051, 20),
      (5.0, 0.1, 100, 1e-06, 0.9498941152, 22),
      (5.0, 0.1, 1000, 1e-05, 2.87958464, 7.6),
      (5.0, 0.1, 1000, 1e-06, 3.208270138, 8.4),
      (5.0, 1.0, 1, 1e-05, 0.7945220325, 22),
      (5.0, 1.0, 1, 1e-06, 0.8999385042, 24),
      (5.0, 1.0, 10, 1e-05, 2.813653247, 7.9),
      (5.0, 1.0, 10, 1e-06, 3.131089775, 8.6),
      (5.0, 1.0, 100, 1e-05, 10.7255097, 3.3),
      (5.0, 1.0, 100, 1e-06, 11.6886268, 3.5),
      (5.0, 1.0, 1000, 1e-05, 48.80169282, 1.7),
      (5.0, 1.0, 1000, 1e-06, 51.72372465, 1.8),
    ]

  @Test func matchesDPAccountingWithinOnePercent() throws {
    var worst = 0.0
    var cache: [String: RDPAccountant] = [:]
    for row in Self.dpAccountingReference {
      let key = "\(row.z) \(row.q)"
      let oneRound: RDPAccountant
      if let cached = cache[key] {
        oneRound = cached
      } else {
        var accountant = try RDPAccountant()
        try accountant.composePoissonSubsampledGaussian(samplingRate: row.q, noiseMultiplier: row.z)
        cache[key] = accountant
        oneRound = accountant
      }
      let rdp = oneRound.rdp.map { $0 * Double(row.rounds) }
      let ours = try RDPAccountant.epsilon(orders: oneRound.orders, rdp: rdp, delta: row.delta)
      let relative = abs(ours.epsilon - row.epsilon) / row.epsilon
      worst = max(worst, relative)
      #expect(relative < 0.01, "z \(row.z) q \(row.q) T \(row.rounds) δ \(row.delta): \(ours)")
      #expect(ours.order == row.order, "z \(row.z) q \(row.q) T \(row.rounds) δ \(row.delta)")
    }
    print("RDP vs dp-accounting: max relative error \(worst)")
  }

  @Test func composingRoundsOneByOneEqualsComposingACount() throws {
    var once = try RDPAccountant()
    try once.composePoissonSubsampledGaussian(samplingRate: 0.01, noiseMultiplier: 1, count: 10)
    var tenTimes = try RDPAccountant()
    for _ in 0..<10 {
      try tenTimes.composePoissonSubsampledGaussian(samplingRate: 0.01, noiseMultiplier: 1)
    }
    for (a, b) in zip(once.rdp, tenTimes.rdp) {
      #expect(abs(a - b) <= 1e-12 * max(a, 1))
    }
  }

  @Test func fullSamplingIsThePlainGaussian() throws {
    for order in [1.5, 2, 7.3, 64] {
      let sampled = try RDP.poissonSubsampledGaussian(
        samplingRate: 1, noiseMultiplier: 2, order: order)
      #expect(sampled == (try RDP.gaussian(noiseMultiplier: 2, order: order)))
      #expect(sampled == order / 8)
    }
  }

  @Test func fractionalOrdersSitBetweenTheirIntegerNeighbours() throws {
    // RDP is non-decreasing in the order: the fractional series must agree with the integer
    // expansion on either side.
    for z in [0.8, 2.0] {
      let two = try RDP.poissonSubsampledGaussian(samplingRate: 0.01, noiseMultiplier: z, order: 2)
      let mid = try RDP.poissonSubsampledGaussian(
        samplingRate: 0.01, noiseMultiplier: z, order: 2.5)
      let three = try RDP.poissonSubsampledGaussian(
        samplingRate: 0.01, noiseMultiplier: z, order: 3)
      #expect(two <= mid && mid <= three)
    }
  }

  @Test func theTighterConversionNeverLosesToTheClassicOne() throws {
    var accountant = try RDPAccountant()
    try accountant.composePoissonSubsampledGaussian(
      samplingRate: 0.01, noiseMultiplier: 1.1, count: 1000)
    let tight = try accountant.epsilon(delta: 1e-5)
    let classic = try accountant.classicEpsilon(delta: 1e-5)
    #expect(tight.epsilon < classic.epsilon)
    #expect(tight.order != nil && classic.order != nil)
  }

  @Test func invalidInputsThrowAndLeaveTheAccountantUnchanged() throws {
    var accountant = try RDPAccountant()
    try accountant.composeGaussian(noiseMultiplier: 1)
    let before = accountant
    #expect(throws: DifferentialPrivacyError.self) {
      try accountant.composePoissonSubsampledGaussian(samplingRate: 1.5, noiseMultiplier: 1)
    }
    #expect(throws: DifferentialPrivacyError.self) {
      try accountant.composeGaussian(noiseMultiplier: 0)
    }
    #expect(accountant == before)
    #expect(throws: DifferentialPrivacyError.self) { try accountant.epsilon(delta: 0) }
    #expect(throws: DifferentialPrivacyError.self) { try RDPAccountant(orders: [1, 2]) }
  }
}
