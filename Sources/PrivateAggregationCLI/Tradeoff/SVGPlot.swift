import Foundation

/// A small line chart as a self-contained SVG: log x axis, linear or log y axis, error bars,
/// a legend, and dashed level lines.
struct SVGPlot {
  struct Point {
    let x: Double
    let y: Double
    let low: Double
    let high: Double
  }

  struct Series {
    let label: String
    let points: [Point]
  }

  let title: String
  let xLabel: String
  let yLabel: String
  let logY: Bool
  var series: [Series] = []
  var levels: [(label: String, value: Double)] = []

  init(title: String, xLabel: String, yLabel: String, logY: Bool) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.logY = logY
  }

  static let colors = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#393b79", "#637939",
  ]

  func render() -> String {
    let width = 760.0
    let height = 480.0
    let left = 90.0
    let right = 250.0
    let top = 40.0
    let bottom = 60.0
    let plotWidth = width - left - right
    let plotHeight = height - top - bottom
    let xs = series.flatMap { $0.points.map(\.x) }.filter { $0 > 0 }
    var ys = series.flatMap { $0.points.flatMap { [$0.low, $0.high, $0.y] } } + levels.map(\.value)
    ys = ys.filter { $0.isFinite && (!logY || $0 > 0) }
    let xMin = log10(xs.min() ?? 1) - 0.05
    let xMax = log10(xs.max() ?? 10) + 0.05
    var yMin: Double
    var yMax: Double
    var yStep = 1.0
    if logY {
      yMin = log10(ys.min() ?? 1e-3) - 0.05
      yMax = log10(ys.max() ?? 1) + 0.05
      if yMax - yMin < 0.5 { yMax = yMin + 0.5 }
    } else {
      let low = ys.min() ?? 0
      let high = ys.max() ?? 1
      yStep = Self.niceStep((high - low) / 6)
      yMin = max(0, floor((low - yStep / 4) / yStep) * yStep)
      yMax = ceil((high + yStep / 4) / yStep) * yStep
      if yMax <= yMin { yMax = yMin + yStep }
    }
    func px(_ x: Double) -> Double { left + (log10(x) - xMin) / (xMax - xMin) * plotWidth }
    func py(_ y: Double) -> Double {
      let value = logY ? log10(max(y, pow(10, yMin))) : y
      return top + (1 - (value - yMin) / (yMax - yMin)) * plotHeight
    }
    func number(_ value: Double) -> String { String(format: "%.1f", value) }
    var svg: [String] = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
        + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">",
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
      "<text x=\"\(number(left + plotWidth / 2))\" y=\"22\" text-anchor=\"middle\" "
        + "font-size=\"15\">\(escape(title))</text>",
    ]
    // Grid and ticks.
    for x in Array(Set(xs)).sorted() {
      svg.append(
        "<line x1=\"\(number(px(x)))\" y1=\"\(number(top))\" x2=\"\(number(px(x)))\" "
          + "y2=\"\(number(top + plotHeight))\" stroke=\"#e5e5e5\"/>")
      svg.append(
        "<text x=\"\(number(px(x)))\" y=\"\(number(top + plotHeight + 18))\" "
          + "text-anchor=\"middle\">\(tick(x))</text>")
    }
    let decades = stride(from: floor(yMin), through: ceil(yMax), by: 1).map { pow(10, $0) }
    // Few decades: label 1, 2 and 5 times each power of ten.
    let multiples: [Double] = yMax - yMin <= 3 ? [1, 2, 5] : [1]
    let yTicks: [Double] =
      logY
      ? decades.flatMap { decade in multiples.map { $0 * decade } }
        .filter { log10($0) >= yMin && log10($0) <= yMax }
      : stride(from: yMin, through: yMax + yStep / 1000, by: yStep).map { $0 }
    for y in yTicks {
      svg.append(
        "<line x1=\"\(number(left))\" y1=\"\(number(py(y)))\" x2=\"\(number(left + plotWidth))\" "
          + "y2=\"\(number(py(y)))\" stroke=\"#e5e5e5\"/>")
      let label =
        logY
        ? (y >= 0.01 && y <= 1000 ? tick(y) : "1e\(Int(log10(y).rounded()))")
        : String(format: yStep >= 0.1 ? "%.1f" : "%.2f", y)
      svg.append(
        "<text x=\"\(number(left - 8))\" y=\"\(number(py(y) + 4))\" text-anchor=\"end\">\(label)</text>"
      )
    }
    svg.append(
      "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" "
        + "height=\"\(number(plotHeight))\" fill=\"none\" stroke=\"#333\"/>")
    svg.append(
      "<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(height - 18))\" "
        + "text-anchor=\"middle\">\(escape(xLabel))</text>")
    svg.append(
      "<text transform=\"translate(22 \(number(top + plotHeight / 2))) rotate(-90)\" "
        + "text-anchor=\"middle\">\(escape(yLabel))</text>")
    // Lines, markers, error bars, legend.
    var legendY = top + 8
    for (index, line) in series.enumerated() {
      let color = Self.colors[index % Self.colors.count]
      let path = line.points.map { "\(number(px($0.x))),\(number(py($0.y)))" }
        .joined(separator: " ")
      svg.append(
        "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>")
      for point in line.points {
        if point.low.isFinite, point.high.isFinite {
          svg.append(
            "<line x1=\"\(number(px(point.x)))\" y1=\"\(number(py(point.low)))\" "
              + "x2=\"\(number(px(point.x)))\" y2=\"\(number(py(point.high)))\" "
              + "stroke=\"\(color)\" stroke-width=\"1.5\"/>")
        }
        svg.append(
          "<circle cx=\"\(number(px(point.x)))\" cy=\"\(number(py(point.y)))\" r=\"3\" "
            + "fill=\"\(color)\"/>")
      }
      svg.append(legendEntry(y: legendY, color: color, dashed: false, label: line.label))
      legendY += 18
    }
    for (index, level) in levels.enumerated() {
      let color = index == 0 ? "#000000" : Self.colors[(series.count + index) % Self.colors.count]
      svg.append(
        "<line x1=\"\(number(left))\" y1=\"\(number(py(level.value)))\" "
          + "x2=\"\(number(left + plotWidth))\" y2=\"\(number(py(level.value)))\" "
          + "stroke=\"\(color)\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>")
      svg.append(legendEntry(y: legendY, color: color, dashed: true, label: level.label))
      legendY += 18
    }
    svg.append("</svg>")
    return svg.joined(separator: "\n") + "\n"
  }

  /// 1, 2 or 5 times a power of ten, at least `raw`.
  static func niceStep(_ raw: Double) -> Double {
    guard raw.isFinite, raw > 0 else { return 0.1 }
    let power = pow(10, floor(log10(raw)))
    for multiple in [1.0, 2, 5, 10] where multiple * power >= raw { return multiple * power }
    return 10 * power
  }

  private func legendEntry(y: Double, color: String, dashed: Bool, label: String) -> String {
    let x = 760.0 - 240
    let dash = dashed ? " stroke-dasharray=\"6 4\"" : ""
    return "<line x1=\"\(x)\" y1=\"\(y)\" x2=\"\(x + 24)\" y2=\"\(y)\" stroke=\"\(color)\" "
      + "stroke-width=\"2\"\(dash)/><text x=\"\(x + 30)\" y=\"\(y + 4)\">\(escape(label))</text>"
  }

  private func tick(_ value: Double) -> String {
    value == value.rounded() ? String(Int(value)) : "\(value)"
  }

  private func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
