/// How much discrete noise each client adds in distributed DP, so that the released sum carries at
/// least the promised noise whoever drops — and what that margin costs when nobody drops.
///
/// The sum released by secure aggregation holds at least `minimumSurvivors` inputs (the
/// protocol aborts below that). Up to `colludingClients` of those may be in league with the
/// server, which then knows their noise and can subtract it. So each client adds
/// variance σ²/(minimumSurvivors − colludingClients): any release then carries at least σ² of
/// noise the server does not know. When all `expectedClients` survive, the sum carries
/// σ² · expectedClients/(minimumSurvivors − colludingClients) — more noise than needed, the price
/// of dropout tolerance, reported as ``overheadFactor``.
public struct NoiseShares: Sendable, Hashable {
  /// σ²: the variance the released sum must carry beyond the server's knowledge.
  public let targetVariance: Double
  /// The fewest inputs any released sum contains.
  public let minimumSurvivors: Int
  /// Clients assumed to collude with the server.
  public let colludingClients: Int
  /// The clients expected to take part when nobody drops.
  public let expectedClients: Int

  /// A noise split for `expectedClients` clients.
  ///
  /// - Throws: ``DifferentialPrivacyError/invalidParameter(name:value:expected:)`` unless the
  ///   variance is finite and positive and 0 ≤ colludingClients < minimumSurvivors ≤
  ///   expectedClients.
  public init(
    targetVariance: Double, minimumSurvivors: Int, colludingClients: Int = 0, expectedClients: Int
  ) throws(DifferentialPrivacyError) {
    guard targetVariance.isFinite, targetVariance > 0 else {
      throw .invalidParameter(
        name: "targetVariance", value: "\(targetVariance)", expected: "a finite value > 0")
    }
    guard colludingClients >= 0 else {
      throw .invalidParameter(
        name: "colludingClients", value: "\(colludingClients)", expected: "0 or more")
    }
    guard minimumSurvivors > colludingClients else {
      throw .invalidParameter(
        name: "minimumSurvivors", value: "\(minimumSurvivors)",
        expected:
          "more than the \(colludingClients) colluding clients, whose noise the server knows")
    }
    guard expectedClients >= minimumSurvivors else {
      throw .invalidParameter(
        name: "expectedClients", value: "\(expectedClients)",
        expected: "at least minimumSurvivors = \(minimumSurvivors)")
    }
    self.targetVariance = targetVariance
    self.minimumSurvivors = minimumSurvivors
    self.colludingClients = colludingClients
    self.expectedClients = expectedClients
  }

  /// The honest contributors the worst release still has: minimumSurvivors − colludingClients.
  public var guaranteedHonestContributors: Int { minimumSurvivors - colludingClients }

  /// The variance each client adds.
  public var perClientVariance: Double { targetVariance / Double(guaranteedHonestContributors) }

  /// The noise variance in the sum when every expected client survives.
  public var varianceWithoutDropouts: Double { perClientVariance * Double(expectedClients) }

  /// varianceWithoutDropouts / targetVariance = expectedClients / (minimumSurvivors −
  /// colludingClients): how much more noise than needed the sum carries when nobody drops.
  public var overheadFactor: Double {
    Double(expectedClients) / Double(guaranteedHonestContributors)
  }
}
