import Foundation

/// A sweep's runs, summarised per point: the mean with a 95 % interval (Student's t over the
/// seeds), as a CSV, a Markdown table and an SVG plot.
struct TradeoffSummary {
  /// One point's summary.
  struct Point {
    let point: TradeoffPoint
    let mean: Double
    /// Half the width of the 95 % confidence interval of the mean.
    let halfWidth: Double
    let runs: Int
    let noiseMultiplier: Double?
    /// The mean over the seeds of the noise's expected MSE (task mean).
    let expectedMean: Double?
    /// The mean over the seeds of the ε spent, with and without amplification.
    let epsilonSpent: Double?
    let epsilonWithoutAmplification: Double?
  }

  let runs: [TradeoffRun]
  let task: Tradeoff.Task
  let points: [Point]

  init(runs: [TradeoffRun], task: Tradeoff.Task) {
    self.runs = runs
    self.task = task
    var order: [TradeoffPoint] = []
    var values: [TradeoffPoint: [Double]] = [:]
    var noise: [TradeoffPoint: Double] = [:]
    var byPoint: [TradeoffPoint: [TradeoffRun]] = [:]
    for run in runs {
      guard let value = run.mse ?? run.accuracy else { continue }
      if values[run.point] == nil { order.append(run.point) }
      values[run.point, default: []].append(value)
      noise[run.point] = run.noiseMultiplier
      byPoint[run.point, default: []].append(run)
    }
    /// The mean of a field over the runs that have it; `nil` when none has.
    func average(_ runs: [TradeoffRun], _ field: (TradeoffRun) -> Double?) -> Double? {
      let present = runs.compactMap(field)
      return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
    }
    points = order.map { point in
      let sample = values[point] ?? []
      let (mean, halfWidth) = Self.interval(sample)
      let runs = byPoint[point] ?? []
      return Point(
        point: point, mean: mean, halfWidth: halfWidth, runs: sample.count,
        noiseMultiplier: noise[point], expectedMean: average(runs, \.expectedMSE),
        epsilonSpent: average(runs, \.epsilonSpent),
        epsilonWithoutAmplification: average(runs, \.epsilonWithoutAmplification))
    }
  }

  /// The sample mean and the half-width of its 95 % t-interval.
  static func interval(_ sample: [Double]) -> (mean: Double, halfWidth: Double) {
    let count = Double(sample.count)
    guard sample.count >= 1 else { return (.nan, .nan) }
    let mean = sample.reduce(0, +) / count
    guard sample.count >= 2 else { return (mean, .nan) }
    let variance = sample.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
    return (mean, studentT975(degreesOfFreedom: sample.count - 1) * (variance / count).squareRoot())
  }

  /// The 0.975 quantile of Student's t distribution (the two-sided 95 % critical value).
  static func studentT975(degreesOfFreedom: Int) -> Double {
    let table: [Double] = [
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
      2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]
    if degreesOfFreedom >= 1, degreesOfFreedom <= table.count {
      return table[degreesOfFreedom - 1]
    }
    // Beyond 30 degrees of freedom: the normal quantile with the first Cornish–Fisher term.
    let z = 1.959_963_985
    return z + (z * z * z + z) / (4 * Double(degreesOfFreedom))
  }

  /// One row per run.
  var csv: String {
    var lines = [
      "task,mechanism,bits,epsilon,delta,clients,dimension,seed,mse,accuracy,expected_mse,"
        + "noise_multiplier,epsilon_spent,epsilon_without_amplification"
    ]
    for run in runs {
      let fields: [String] = [
        run.task, run.point.mechanism.rawValue, "\(run.point.bits)",
        run.point.epsilon.map { "\($0)" } ?? "", "\(run.delta)", "\(run.clients)",
        "\(run.dimension)", "\(run.seed)", run.mse.map { "\($0)" } ?? "",
        run.accuracy.map { "\($0)" } ?? "", run.expectedMSE.map { "\($0)" } ?? "",
        run.noiseMultiplier.map { "\($0)" } ?? "", run.epsilonSpent.map { "\($0)" } ?? "",
        run.epsilonWithoutAmplification.map { "\($0)" } ?? "",
      ]
      lines.append(fields.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The ε values of the sweep, ascending.
  var epsilons: [Double] {
    Array(Set(points.compactMap(\.point.epsilon))).sorted()
  }

  /// The series: one per mechanism and bit width, in sweep order.
  var series: [(label: String, points: [Point])] {
    var labels: [String] = []
    var byLabel: [String: [Point]] = [:]
    for point in points {
      if byLabel[point.point.label] == nil { labels.append(point.point.label) }
      byLabel[point.point.label, default: []].append(point)
    }
    return labels.map { label in
      (label, (byLabel[label] ?? []).sorted { ($0.point.epsilon ?? 0) < ($1.point.epsilon ?? 0) })
    }
  }

  func format(_ value: Double) -> String {
    task == .mean ? String(format: "%.3e", value) : String(format: "%.3f", value)
  }

  /// The table: a row per mechanism and bit width, a column per ε; then, for task mean, each
  /// mechanism's MSE as a ratio to central and to central-analytic at the same ε.
  func markdown(header: String) -> String {
    let epsilons = self.epsilons
    let metric = task == .mean ? "mean MSE ± 95% CI" : "final test accuracy ± 95% CI"
    var lines = [header, "", "\(metric) (\(points.first?.runs ?? 0) runs per cell)", ""]
    // Every table: a column per ε.
    let tableHeader = [
      "| mechanism | " + epsilons.map { "ε = \(trim($0))" }.joined(separator: " | ") + " |",
      "|---|" + epsilons.map { _ in "---:" }.joined(separator: "|") + "|",
    ]
    lines += tableHeader
    for (label, points) in series {
      if points.count == 1, points[0].point.epsilon == nil {
        let cell = "\(format(points[0].mean)) ± \(format(points[0].halfWidth))"
        lines.append(
          "| \(label) (no noise) | " + epsilons.map { _ in cell }.joined(separator: " | ") + " |")
        continue
      }
      let cells = epsilons.map { epsilon -> String in
        guard let point = points.first(where: { $0.point.epsilon == epsilon }) else { return "—" }
        return "\(format(point.mean)) ± \(format(point.halfWidth))"
      }
      lines.append("| \(label) | " + cells.joined(separator: " | ") + " |")
    }
    if task == .mean {
      for reference in [TradeoffMechanism.central, .centralAnalytic] {
        let base = points.filter { $0.point.mechanism == reference }
        guard !base.isEmpty else { continue }
        lines += [
          "",
          "Expected MSE ÷ \(reference.rawValue)'s expected MSE at the same ε (from the "
            + "noise variance each plan states: no sampling error)", "",
        ]
        lines += ratioTable(reference: base, header: tableHeader) { point, base in
          guard let expected = point.expectedMean, let baseExpected = base.expectedMean else {
            return "—"
          }
          return String(format: "%.3f", expected / baseExpected)
        }
        lines += [
          "",
          "Measured MSE ÷ \(reference.rawValue)'s measured MSE at the same ε, ± 95% CI "
            + "(first order in both means' errors)", "",
        ]
        lines += ratioTable(reference: base, header: tableHeader) { point, base in
          let (ratio, spread) = Self.ratio(point, base)
          return String(format: "%.3f ± %.3f", ratio, spread)
        }
      }
    }
    let spent = points.filter { $0.epsilonSpent != nil }
    if task == .digits, !spent.isEmpty {
      lines += [
        "",
        "ε spent by the whole training (the ledger's, mean over the seeds): with "
          + "amplification by Poisson sampling / without it (every round counted in full: the "
          + "guarantee against a server that sees or picks each cohort)", "",
      ]
      lines += tableHeader
      for (label, points) in series where points.first?.point.epsilon != nil {
        let cells = epsilons.map { epsilon -> String in
          guard let point = points.first(where: { $0.point.epsilon == epsilon }),
            let with = point.epsilonSpent, let without = point.epsilonWithoutAmplification
          else { return "—" }
          return String(format: "%.3f / %.2f", with, without)
        }
        lines.append("| \(label) | " + cells.joined(separator: " | ") + " |")
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// A table of `cell(point, reference point)` for every series but the reference's, a column
  /// per ε.
  func ratioTable(
    reference base: [Point], header: [String], cell: (Point, Point) -> String
  ) -> [String] {
    var lines = header
    let referenceMechanism = base.first?.point.mechanism
    for (label, points) in series where points.first?.point.mechanism != referenceMechanism {
      let cells = epsilons.map { epsilon -> String in
        guard let point = points.first(where: { $0.point.epsilon == epsilon }),
          let reference = base.first(where: { $0.point.epsilon == epsilon })
        else { return "—" }
        return cell(point, reference)
      }
      lines.append("| \(label) | " + cells.joined(separator: " | ") + " |")
    }
    return lines
  }

  /// The ratio of two points' means and its 95 % half-width, to first order in both means'
  /// relative errors.
  static func ratio(_ point: Point, _ base: Point) -> (ratio: Double, spread: Double) {
    let ratio = point.mean / base.mean
    let spread =
      ratio
      * ((point.halfWidth / point.mean) * (point.halfWidth / point.mean)
      + (base.halfWidth / base.mean) * (base.halfWidth / base.mean)).squareRoot()
    return (ratio, spread)
  }

  func trim(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : "\(value)"
  }

  /// MSE against ε (log–log) or accuracy against ε (log ε), one line per series with its
  /// 95 % intervals; a no-noise point is drawn as a dashed level line.
  func plot() -> String {
    var plot = SVGPlot(
      title: task == .mean
        ? "Private mean: MSE against ε (lower is better)"
        : "Federated digits: test accuracy against ε (higher is better)",
      xLabel: "ε (log scale)",
      yLabel: task == .mean ? "mean squared error (log scale)" : "test accuracy",
      logY: task == .mean)
    for (label, points) in series {
      if points.count == 1, points[0].point.epsilon == nil {
        plot.levels.append((label: "\(label) (no noise)", value: points[0].mean))
        continue
      }
      plot.series.append(
        SVGPlot.Series(
          label: label,
          points: points.compactMap { point in
            point.point.epsilon.map {
              SVGPlot.Point(
                x: $0, y: point.mean, low: point.mean - point.halfWidth,
                high: point.mean + point.halfWidth)
            }
          }))
    }
    return plot.render()
  }

  /// Task mean: each mechanism's MSE over central-analytic's at the same ε (log y), which
  /// separates the lines the MSE plot draws on top of each other; `nil` without that reference.
  func ratioPlot() -> String? {
    let reference = points.filter { $0.point.mechanism == .centralAnalytic }
    guard task == .mean, !reference.isEmpty else { return nil }
    var plot = SVGPlot(
      title: "Private mean: MSE ÷ central-analytic's MSE at the same ε",
      xLabel: "ε (log scale)", yLabel: "MSE ratio (log scale; 1 = best one release)", logY: true)
    plot.levels.append((label: "central-analytic", value: 1))
    for (label, points) in series {
      guard let mechanism = points.first?.point.mechanism,
        mechanism != .centralAnalytic, mechanism != .local, mechanism != .none
      else { continue }
      plot.series.append(
        SVGPlot.Series(
          label: label,
          points: points.compactMap { point in
            guard let epsilon = point.point.epsilon,
              let base = reference.first(where: { $0.point.epsilon == epsilon })
            else { return nil }
            let (ratio, spread) = Self.ratio(point, base)
            return SVGPlot.Point(x: epsilon, y: ratio, low: ratio - spread, high: ratio + spread)
          }))
    }
    return plot.render()
  }
}
