extension Duration {
  /// The duration in whole milliseconds (rounded toward zero), saturating at `Int64`'s bounds
  /// instead of trapping: the one conversion every deadline and wait on the wire goes through.
  var wholeMilliseconds: Int64 {
    let (seconds, attoseconds) = components
    let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    let (total, carry) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
    if overflow || carry { return seconds < 0 ? .min : .max }
    return total
  }
}
