import Dispatch

/// `body(0..<count)` spread over the cores with `DispatchQueue.concurrentPerform`; the results in
/// index order, whatever order the tasks finish in. For items that each cost far more than a task
/// switch (a Shamir reconstruction, an X25519 agreement, a whole simulated run).
///
/// `package`: the secure-aggregation server and the command-line sweeps share it.
package func concurrentMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
  guard count > 0 else { return [] }
  let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
  slots.initialize(repeating: nil)
  defer {
    slots.deinitialize()
    slots.deallocate()
  }
  let shared = DisjointSlots(base: slots)
  DispatchQueue.concurrentPerform(iterations: count) { index in
    shared.base[index] = body(index)
  }
  // concurrentPerform returns once every iteration has run, so every slot holds its result.
  return slots.compactMap { $0 }
}

/// Result slots handed to concurrent tasks that each write only their own index.
private struct DisjointSlots<T>: @unchecked Sendable {
  // Safety: task i writes only slot i; the buffer outlives `concurrentPerform`.
  let base: UnsafeMutableBufferPointer<T>
}
