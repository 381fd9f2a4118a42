import Foundation

/// Linear convolution of non-negative sequences, by a radix-2 fast Fourier transform for long
/// inputs and directly for short ones: the composition step of ``PrivacyLossDistribution``.
///
/// The transform is the iterative Cooley–Tukey algorithm over split real and imaginary arrays,
/// with twiddle factors computed once per size by `sin`/`cos` (not by repeated multiplication,
/// which would accumulate error). Two real inputs share one complex transform (packed as
/// x + iy and separated by conjugate symmetry), so a convolution costs one forward and one
/// inverse transform of the padded length.
///
/// Round-off: each output entry errs by at most about `8 · log₂(N) · 2⁻⁵³` times the larger
/// input's total mass (the inputs are probability masses, so ≤ 1); entries that come out
/// negative by such an amount are set to 0. ``PrivacyLossDistribution`` states this in its
/// documentation.
enum FastFourierTransform {
  /// Below this product of lengths the convolution is computed directly.
  static let directThreshold = 1 << 16

  /// The linear convolution of `x` and `y` (length `x.count + y.count − 1`), with negative
  /// round-off set to 0; empty when either input is empty.
  static func convolve(_ x: [Double], _ y: [Double]) -> [Double] {
    guard !x.isEmpty, !y.isEmpty else { return [] }
    let length = x.count + y.count - 1
    if x.count.multipliedReportingOverflow(by: y.count).partialValue <= directThreshold
      || x.count == 1 || y.count == 1
    {
      return direct(x, y, length: length)
    }
    var size = 1
    while size < length { size <<= 1 }
    var real = [Double](repeating: 0, count: size)
    var imaginary = [Double](repeating: 0, count: size)
    real.withUnsafeMutableBufferPointer { real in
      for index in x.indices { real[index] = x[index] }
    }
    imaginary.withUnsafeMutableBufferPointer { imaginary in
      for index in y.indices { imaginary[index] = y[index] }
    }
    transform(real: &real, imaginary: &imaginary, inverse: false)
    // Separate X and Y from Z = X + iY: X_k = (Z_k + conj Z_{N−k})/2,
    // Y_k = (Z_k − conj Z_{N−k})/(2i); then W_k = X_k · Y_k.
    var productReal = [Double](repeating: 0, count: size)
    var productImaginary = [Double](repeating: 0, count: size)
    real.withUnsafeBufferPointer { zr in
      imaginary.withUnsafeBufferPointer { zi in
        productReal.withUnsafeMutableBufferPointer { wr in
          productImaginary.withUnsafeMutableBufferPointer { wi in
            for k in 0..<size {
              let mirror = (size - k) & (size - 1)
              let ar = zr[k]
              let ai = zi[k]
              let br = zr[mirror]
              let bi = -zi[mirror]
              let xr = 0.5 * (ar + br)
              let xi = 0.5 * (ai + bi)
              // (Z − conj Z_{N−k}) / (2i) = ((ai − bi) − i(ar − br)) / 2
              let yr = 0.5 * (ai - bi)
              let yi = -0.5 * (ar - br)
              wr[k] = xr * yr - xi * yi
              wi[k] = xr * yi + xi * yr
            }
          }
        }
      }
    }
    transform(real: &productReal, imaginary: &productImaginary, inverse: true)
    let scale = 1 / Double(size)
    var result = [Double](repeating: 0, count: length)
    result.withUnsafeMutableBufferPointer { out in
      productReal.withUnsafeBufferPointer { wr in
        for index in 0..<length {
          out[index] = max(0, wr[index] * scale)
        }
      }
    }
    return result
  }

  /// The convolution by its definition, O(|x|·|y|).
  private static func direct(_ x: [Double], _ y: [Double], length: Int) -> [Double] {
    var result = [Double](repeating: 0, count: length)
    result.withUnsafeMutableBufferPointer { out in
      x.withUnsafeBufferPointer { x in
        y.withUnsafeBufferPointer { y in
          for i in 0..<x.count {
            let value = x[i]
            if value == 0 { continue }
            for j in 0..<y.count {
              out[i + j] += value * y[j]
            }
          }
        }
      }
    }
    return result
  }

  /// The discrete Fourier transform of length `real.count` (a power of two) in place:
  /// X_k = Σ_j x_j e^{∓2πijk/N}, the minus sign forward; the inverse is not divided by N.
  static func transform(real: inout [Double], imaginary: inout [Double], inverse: Bool) {
    let size = real.count
    guard size > 1 else { return }
    var levels = 0
    while (1 << levels) < size { levels += 1 }
    let half = size / 2
    // Twiddles w_k = e^{∓2πik/N} for k < N/2.
    var cosines = [Double](repeating: 0, count: half)
    var sines = [Double](repeating: 0, count: half)
    let sign: Double = inverse ? 1 : -1
    cosines.withUnsafeMutableBufferPointer { cosines in
      sines.withUnsafeMutableBufferPointer { sines in
        for k in 0..<half {
          let angle = 2 * Double.pi * Double(k) / Double(size)
          cosines[k] = cos(angle)
          sines[k] = sign * sin(angle)
        }
      }
    }
    real.withUnsafeMutableBufferPointer { re in
      imaginary.withUnsafeMutableBufferPointer { im in
        // Bit-reversal permutation.
        var j = 0
        for i in 1..<size {
          var bit = size >> 1
          while j & bit != 0 {
            j ^= bit
            bit >>= 1
          }
          j |= bit
          if i < j {
            re.swapAt(i, j)
            im.swapAt(i, j)
          }
        }
        cosines.withUnsafeBufferPointer { cosines in
          sines.withUnsafeBufferPointer { sines in
            var length = 2
            while length <= size {
              let halfLength = length / 2
              let stride = size / length
              var start = 0
              while start < size {
                for k in 0..<halfLength {
                  let wr = cosines[k * stride]
                  let wi = sines[k * stride]
                  let a = start + k
                  let b = a + halfLength
                  let tr = re[b] * wr - im[b] * wi
                  let ti = re[b] * wi + im[b] * wr
                  re[b] = re[a] - tr
                  im[b] = im[a] - ti
                  re[a] += tr
                  im[a] += ti
                }
                start += length
              }
              length <<= 1
            }
          }
        }
      }
    }
  }
}
