internal import CZlib
internal import Foundation
internal import PrivateAggregation

/// The UCI handwritten digits bundled with the package: 1,797 8×8 images, each pixel 0…16, and
/// their digit.
///
/// Images are stored row by row, scaled to [0, 1]. The file is the target's resource
/// `Sources/DigitsTraining/Resources/digits.csv.gz` (Alpaydin & Kaynak, UCI, CC BY 4.0; see the
/// README beside it).
public struct DigitsDataset: Sendable {
  /// Pixels per image.
  public static let featureCount = 64
  /// The digits 0…9.
  public static let classCount = 10

  /// Every image's 64 pixels in [0, 1], image after image (`count × 64` values).
  public let pixels: [Double]
  /// Every image's digit, 0…9.
  public let labels: [Int]

  /// The number of images.
  public var count: Int { labels.count }

  /// Image `index`'s pixels; `index` must be in `0..<count`.
  public func image(_ index: Int) -> ArraySlice<Double> {
    pixels[(index * Self.featureCount)..<((index + 1) * Self.featureCount)]
  }

  /// The images at `indices` (each in `0..<count`), in that order.
  public func subset(_ indices: [Int]) -> DigitsDataset {
    var pixels: [Double] = []
    pixels.reserveCapacity(indices.count * Self.featureCount)
    for index in indices { pixels.append(contentsOf: image(index)) }
    return DigitsDataset(pixels: pixels, labels: indices.map { labels[$0] })
  }

  init(pixels: [Double], labels: [Int]) {
    self.pixels = pixels
    self.labels = labels
  }

  /// Parses the CSV: one image a line, 64 pixel values 0…16 and then the digit 0…9.
  ///
  /// - Throws: ``DigitsTrainingError/malformedData(line:reason:)`` naming the first bad line.
  public init(csv: String) throws(DigitsTrainingError) {
    var pixels: [Double] = []
    var labels: [Int] = []
    var lineNumber = 0
    for line in csv.split(separator: "\n", omittingEmptySubsequences: false) {
      lineNumber += 1
      let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
      if trimmed.isEmpty { continue }
      let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
      guard fields.count == Self.featureCount + 1 else {
        throw .malformedData(
          line: lineNumber, reason: "\(fields.count) fields, expected \(Self.featureCount + 1)")
      }
      for (position, field) in fields.enumerated() {
        guard let value = Int(field.trimmingCharacters(in: .whitespaces)) else {
          throw .malformedData(line: lineNumber, reason: "field \(position + 1) is not an integer")
        }
        if position < Self.featureCount {
          guard (0...16).contains(value) else {
            throw .malformedData(
              line: lineNumber, reason: "pixel \(position + 1) is \(value), expected 0...16")
          }
          pixels.append(Double(value) / 16)
        } else {
          guard (0..<Self.classCount).contains(value) else {
            throw .malformedData(line: lineNumber, reason: "label \(value), expected 0...9")
          }
          labels.append(value)
        }
      }
    }
    guard !labels.isEmpty else { throw .malformedData(line: lineNumber, reason: "no images") }
    self.init(pixels: pixels, labels: labels)
  }

  /// The bundled data set (`digits.csv.gz`, 1,797 images).
  ///
  /// - Throws: ``DigitsTrainingError/dataUnavailable(_:)`` when the resource cannot be found or
  ///   read, ``DigitsTrainingError/malformedData(line:reason:)`` when it does not parse.
  public static func bundled() throws(DigitsTrainingError) -> DigitsDataset {
    guard let url = Bundle.module.url(forResource: "digits.csv", withExtension: "gz") else {
      throw .dataUnavailable("digits.csv.gz is not in the DigitsTraining bundle")
    }
    return try load(gzipFile: url.path)
  }

  /// Reads a gzip-compressed (or plain) digits CSV at `path`.
  ///
  /// - Throws: ``DigitsTrainingError/dataUnavailable(_:)`` or
  ///   ``DigitsTrainingError/malformedData(line:reason:)``.
  public static func load(gzipFile path: String) throws(DigitsTrainingError) -> DigitsDataset {
    guard let file = gzopen(path, "rb") else {
      throw .dataUnavailable("cannot open \(path)")
    }
    defer { gzclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let read = chunk.withUnsafeMutableBytes { buffer in
        gzread(file, buffer.baseAddress, UInt32(buffer.count))
      }
      if read < 0 { throw .dataUnavailable("cannot decompress \(path)") }
      if read == 0 { break }
      bytes.append(contentsOf: chunk[0..<Int(read)])
      guard bytes.count <= 64 << 20 else {
        throw .dataUnavailable("\(path) holds more than 64 MiB: not the digits data")
      }
    }
    guard let text = String(bytes: bytes, encoding: .utf8) else {
      throw .malformedData(line: 0, reason: "not UTF-8 text")
    }
    return try DigitsDataset(csv: text)
  }

  /// A stratified split: from each digit, `testFraction` of its images (shuffled by `seed`) go
  /// to the test set, the rest to training.
  ///
  /// - Parameters:
  ///   - testFraction: in (0, 1); 0.2 by default.
  ///   - seed: the shuffle's seed.
  public func split(testFraction: Double = 0.2, seed: UInt64) -> (
    train: DigitsDataset, test: DigitsDataset
  ) {
    var random = ChaChaRandomNumberGenerator(insecureDeterministicSeed: seed)
      .insecureDeterministicChild(label: "digits split")
    var train: [Int] = []
    var test: [Int] = []
    for digit in 0..<Self.classCount {
      var members = labels.indices.filter { labels[$0] == digit }
      members.shuffle(using: &random)
      let testCount = Int((Double(members.count) * testFraction).rounded())
      test.append(contentsOf: members.prefix(testCount))
      train.append(contentsOf: members.dropFirst(testCount))
    }
    train.shuffle(using: &random)
    test.sort()
    return (subset(train), subset(test))
  }
}
