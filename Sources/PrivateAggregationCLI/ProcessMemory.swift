#if os(Linux) && canImport(CMalloc)
  import CMalloc
#endif

/// How the command's process allocates large buffers.
enum ProcessMemory {
  /// Keeps freed buffers of up to 32 MiB in the heap for the next message, on glibc.
  ///
  /// A round moves hundreds of buffers of the vector's size (400 KB at 10⁵ coordinates): each
  /// message is received, decoded, copied and logged. By default glibc maps every buffer over
  /// 128 KiB afresh and unmaps it when freed, so the kernel zeroes new pages for each one; on
  /// the loopback round that was a fifth of the server's CPU. Raising the mapping and trimming
  /// thresholds lets the heap reuse them. The commands that run rounds (`serve`, `loadtest`,
  /// `contribute`, `simulate`) call it first, so in-memory and network rounds are measured
  /// alike. Elsewhere it does nothing.
  static func reuseLargeBuffers() {
    #if os(Linux) && canImport(CMalloc)
      _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
      _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
    #endif
  }
}
