internal import CSodium

/// A fixed-size byte buffer for secret material that zeroizes its whole allocation when released.
///
/// `SecureBytes` has value semantics with copy-on-write. The storage is a class whose `deinit`
/// calls `sodium_memzero` over every byte it allocated, so a key or seed does not outlive its last
/// reference in memory. Equality is constant-time, and `description` never shows the contents.
public struct SecureBytes: Sendable {
  @usableFromInline
  final class Storage: @unchecked Sendable {
    // Safety: the bytes are only mutated through a uniquely referenced `Storage` (copy-on-write).
    @usableFromInline let pointer: UnsafeMutableRawPointer
    @usableFromInline let count: Int

    init(count: Int) {
      self.count = count
      // Allocate at least one byte so the pointer is always valid for libsodium calls.
      pointer = .allocate(byteCount: Swift.max(count, 1), alignment: 16)
      pointer.initializeMemory(as: UInt8.self, repeating: 0, count: Swift.max(count, 1))
    }

    deinit {
      sodium_memzero(pointer, Swift.max(count, 1))
      pointer.deallocate()
    }

    func copy() -> Storage {
      let new = Storage(count: count)
      new.pointer.copyMemory(from: pointer, byteCount: count)
      return new
    }
  }

  @usableFromInline var storage: Storage

  /// Creates a buffer of `count` zero bytes.
  ///
  /// - Parameter count: The number of bytes; negative counts are treated as zero.
  public init(zeroedCount count: Int) {
    storage = Storage(count: Swift.max(count, 0))
  }

  /// Creates a buffer holding a copy of `bytes`.
  ///
  /// The source collection is not wiped; prefer building secrets directly in `SecureBytes`.
  public init(_ bytes: some Collection<UInt8>) {
    storage = Storage(count: bytes.count)
    let target = UnsafeMutableRawBufferPointer(start: storage.pointer, count: storage.count)
    _ = target.initializeMemory(as: UInt8.self, from: bytes)
  }

  /// Creates a buffer of `count` bytes drawn from `source`.
  ///
  /// - Parameters:
  ///   - count: The number of random bytes.
  ///   - source: Where the randomness comes from; the system's secure generator by default.
  public init(randomCount count: Int, from source: RandomSource = .system) {
    self.init(zeroedCount: count)
    withUnsafeMutableBytes { source.fill($0) }
  }

  /// The number of bytes.
  public var count: Int { storage.count }

  /// Whether the buffer holds no bytes.
  public var isEmpty: Bool { storage.count == 0 }

  /// Calls `body` with a read-only view of the bytes.
  ///
  /// The pointer is valid only for the duration of the call; do not copy the bytes out into
  /// memory that is not wiped.
  public func withUnsafeBytes<Result, Failure: Error>(
    _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    try body(UnsafeRawBufferPointer(start: storage.pointer, count: storage.count))
  }

  /// Calls `body` with a mutable view of the bytes, copying the storage first if it is shared.
  public mutating func withUnsafeMutableBytes<Result, Failure: Error>(
    _ body: (UnsafeMutableRawBufferPointer) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    if !isKnownUniquelyReferenced(&storage) {
      storage = storage.copy()
    }
    return try body(UnsafeMutableRawBufferPointer(start: storage.pointer, count: storage.count))
  }

  /// The bytes `range` as a new buffer.
  ///
  /// - Precondition: `range` lies within `0..<count` (a local invariant of the caller, who checks
  ///   lengths of remote data first).
  package func extracting(_ range: Range<Int>) -> SecureBytes {
    precondition(range.lowerBound >= 0 && range.upperBound <= count, "range out of bounds")
    var result = SecureBytes(zeroedCount: range.count)
    result.withUnsafeMutableBytes { target in
      target.copyMemory(
        from: UnsafeRawBufferPointer(start: storage.pointer + range.lowerBound, count: range.count))
    }
    return result
  }

  /// The concatenation of `self` and `other`, in a new buffer.
  public func appending(_ other: SecureBytes) -> SecureBytes {
    var result = SecureBytes(zeroedCount: count + other.count)
    result.withUnsafeMutableBytes { target in
      self.withUnsafeBytes { target.copyMemory(from: $0) }
      other.withUnsafeBytes {
        UnsafeMutableRawBufferPointer(rebasing: target[self.count...]).copyMemory(from: $0)
      }
    }
    return result
  }
}

extension SecureBytes: Equatable {
  /// Compares two buffers in time that depends only on their lengths.
  public static func == (lhs: SecureBytes, rhs: SecureBytes) -> Bool {
    lhs.withUnsafeBytes { left in
      rhs.withUnsafeBytes { right in ConstantTime.isEqual(left, right) }
    }
  }
}

extension SecureBytes: CustomStringConvertible, CustomDebugStringConvertible {
  /// A description that gives the length and never the contents.
  public var description: String { "SecureBytes(\(count) bytes, redacted)" }
  /// A description that gives the length and never the contents.
  public var debugDescription: String { description }
}

extension SecureBytes {
  /// Calls `body` with a never-null pointer to the bytes (the storage always has at least one
  /// allocated byte), for C functions whose pointer parameters are non-null.
  func withUInt8Pointer<Result>(_ body: (UnsafePointer<UInt8>) throws -> Result) rethrows -> Result
  {
    try body(UnsafePointer(storage.pointer.assumingMemoryBound(to: UInt8.self)))
  }

  /// Calls `body` with a never-null mutable pointer to the bytes, copying shared storage first.
  mutating func withMutableUInt8Pointer<Result>(
    _ body: (UnsafeMutablePointer<UInt8>) throws -> Result
  ) rethrows -> Result {
    if !isKnownUniquelyReferenced(&storage) {
      storage = storage.copy()
    }
    return try body(storage.pointer.assumingMemoryBound(to: UInt8.self))
  }

  /// A copy of the bytes as an ordinary array, which is not wiped on release.
  ///
  /// For tests, known-answer checks and public values only.
  package var unprotectedArray: [UInt8] {
    withUnsafeBytes { Array($0) }
  }
}
