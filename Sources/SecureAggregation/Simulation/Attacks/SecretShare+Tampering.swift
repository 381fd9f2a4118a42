extension SecretShare {
  /// A wrong share of the same shape, as a hostile client would reveal it: every element of
  /// `chunks` (all of them by default) moved by `offset` mod p.
  func tampered(by offset: UInt64, chunks: Range<Int>? = nil) -> SecretShare {
    let moved = chunks ?? 0..<elementCount
    var values = SecureBytes(zeroedCount: self.values.count)
    values.withUnsafeMutableBytes { out in
      for chunk in 0..<elementCount {
        let value =
          moved.contains(chunk)
          ? PrimeField.add(element(chunk), offset % PrimeField.modulus) : element(chunk)
        out.storeBytes(of: value.littleEndian, toByteOffset: chunk * 8, as: UInt64.self)
      }
    }
    return SecretShare(id: id, secretByteCount: secretByteCount, values: values)
  }
}
