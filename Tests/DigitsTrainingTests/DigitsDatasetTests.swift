import DigitsTraining
import Foundation
import Testing

@Suite struct DigitsDatasetTests {
  @Test func bundledDataHasTheDocumentedShape() throws {
    let data = try DigitsDataset.bundled()
    #expect(data.count == 1_797)
    #expect(data.pixels.count == 1_797 * 64)
    #expect(data.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
    var perDigit = [Int](repeating: 0, count: 10)
    for label in data.labels { perDigit[label] += 1 }
    // scikit-learn's copy has 174...183 images of each digit.
    #expect(perDigit.allSatisfy { (170...190).contains($0) })
    // The first row of the file: 0,0,5,13,9,1,0,0,… with digit 0.
    #expect(data.labels[0] == 0)
    let expected: [Double] = [0, 0, 5.0 / 16, 13.0 / 16]
    #expect(Array(data.image(0).prefix(4)) == expected)
  }

  @Test func splitIsStratifiedAndDisjoint() throws {
    let data = try DigitsDataset.bundled()
    let (train, test) = data.split(testFraction: 0.2, seed: 9)
    #expect(train.count + test.count == data.count)
    var all = [Int](repeating: 0, count: 10)
    var held = [Int](repeating: 0, count: 10)
    for label in data.labels { all[label] += 1 }
    for label in test.labels { held[label] += 1 }
    for digit in 0..<10 {
      #expect(held[digit] == Int((Double(all[digit]) * 0.2).rounded()))
    }
    // Every image lands on exactly one side: the multisets of images add up.
    func key(_ set: DigitsDataset, _ index: Int) -> [Double] { Array(set.image(index)) }
    var counts: [[Double]: Int] = [:]
    for index in 0..<data.count { counts[key(data, index), default: 0] += 1 }
    for set in [train, test] {
      for index in 0..<set.count { counts[key(set, index), default: 0] -= 1 }
    }
    #expect(counts.values.allSatisfy { $0 == 0 })
    // The same seed gives the same split; another seed another.
    #expect(data.split(testFraction: 0.2, seed: 9).test.labels == test.labels)
    #expect(data.split(testFraction: 0.2, seed: 10).train.labels != train.labels)
  }

  @Test(arguments: [
    ("1,2,3\n", 1),
    (String(repeating: "0,", count: 64) + "3\n" + String(repeating: "0,", count: 64) + "x\n", 2),
    (String(repeating: "0,", count: 63) + "17,3\n", 1),
    (String(repeating: "0,", count: 64) + "10\n", 1),
  ])
  func malformedLinesAreNamed(csv: String, line: Int) {
    #expect {
      try DigitsDataset(csv: csv)
    } throws: { error in
      guard case .malformedData(let reported, _) = error as? DigitsTrainingError else {
        return false
      }
      return reported == line
    }
  }

  @Test func emptyAndMissingFilesAreTypedErrors() {
    #expect(throws: DigitsTrainingError.self) { try DigitsDataset(csv: "\n\n") }
    #expect {
      try DigitsDataset.load(gzipFile: "/nonexistent/digits.csv.gz")
    } throws: { error in
      if case .dataUnavailable = error as? DigitsTrainingError { return true }
      return false
    }
  }

  @Test func gradientDescentLearnsTheDigits() throws {
    let (train, test) = try DigitsDataset.bundled().split(seed: 1)
    var model = SoftmaxRegression()
    #expect(model.accuracy(on: test) < 0.2)
    let before = model.loss(on: train)
    model.train(on: train, epochs: 60, learningRate: 2)
    #expect(model.loss(on: train) < before / 3)
    #expect(model.accuracy(on: test) > 0.88)
  }
}
