import Foundation
import Logging
import PrivateAggregation
import SecureAggregation

/// One round as the service runs it: check-ins, the start, the phases and their deadlines,
/// over a ``DurableRound`` that commits every change to the store before a call returns.
///
/// Every method that changes the round runs on this actor, one at a time, so a phase closes
/// once however many submissions and deadline ticks race for it.
actor RoundActor {
  let id: String
  let record: ServiceRoundRecord
  let plan: AggregationPlan
  private let store: any RoundStore
  private let clock: ServiceClock
  private(set) var checkedIn: Set<Int>
  private(set) var status: RoundStatus {
    didSet { metrics?.statusChanged(from: oldValue, to: status) }
  }
  private(set) var failure: String?
  private var round: DurableRound? {
    didSet {
      if let round, round.phaseNumber != oldValue?.phaseNumber { metrics?.phaseOpened(round.phase) }
    }
  }
  /// The service's metrics (``attach(_:)``); `nil` until the registry gives them.
  var metrics: ServiceMetrics?
  private(set) var release: StoredRelease?
  /// When the open phase closes, in milliseconds since 1970.
  private var phaseDeadline: Int64?
  /// The long-polls waiting for a change, by ticket.
  private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
  private var nextTicket = 0
  /// Held by one transition at a time, across its store writes (the actor alone would let a
  /// deadline close a phase while a submission awaits its commit).
  private var busy = false
  private var queue: [CheckedContinuation<Void, Never>] = []
  /// Where phase changes are logged.
  private let logger: Logger
  /// Replies staged so far (a retry of a staged reply counts too) and how many of them are
  /// committed: a reply is acknowledged when `committedCount` reaches its ticket.
  private var stagedCount = 0
  private var committedCount = 0
  /// Replies waiting for their commit: the ticket, and the fault to throw (`nil`: committed).
  private var commitWaiters:
    [(ticket: Int, continuation: CheckedContinuation<ServiceFault?, Never>)] =
      []
  /// Whether the writer task runs, and whether its append is in flight.
  private var writing = false
  private var inFlight = false
  /// Phase closes waiting for the append in flight.
  private var writeWaiters: [CheckedContinuation<Void, Never>] = []
  /// The phase the last log line named, so each change is logged once.
  private var loggedPhase: RoundPhaseName?
  /// The clients answering the open phase when it opened (all checked-in clients at first).
  private var phaseCohort: Int

  private init(
    record: ServiceRoundRecord, plan: AggregationPlan, store: any RoundStore,
    clock: @escaping ServiceClock, checkedIn: Set<Int>, status: RoundStatus, failure: String?,
    logger: Logger
  ) {
    id = record.id
    self.record = record
    self.plan = plan
    self.store = store
    self.clock = clock
    self.checkedIn = checkedIn
    self.status = status
    self.failure = failure
    self.logger = logger
    phaseCohort = checkedIn.count
  }

  /// A new round, stored with its credentials' hashes before it returns.
  static func create(
    record: ServiceRoundRecord, plan: AggregationPlan, credentialHashes: [Int: [UInt8]],
    store: any RoundStore, clock: @escaping ServiceClock, logger: Logger
  ) async throws(AggregationServiceError) -> RoundActor {
    try await store.createRound(record, credentialHashes: credentialHashes)
    let actor = RoundActor(
      record: record, plan: plan, store: store, clock: clock, checkedIn: [],
      status: .checkingIn, failure: nil, logger: logger)
    await actor.logPhase()
    return actor
  }

  /// The round as its store has it: a running round resumed by replaying its log, its open
  /// phase given a full deadline from now (its clients could not answer while the server was
  /// down).
  static func load(
    _ id: String, store: any RoundStore, clock: @escaping ServiceClock, logger: Logger
  ) async throws(AggregationServiceError) -> RoundActor? {
    guard let state = try await store.serviceRound(id) else { return nil }
    let plan: AggregationPlan
    do throws(PrivateAggregationError) {
      plan = try AggregationPlan(state.record.configuration)
    } catch {
      throw .corruptStore(what: "configuration of round \(id)")
    }
    let actor = RoundActor(
      record: state.record, plan: plan, store: store, clock: clock, checkedIn: state.checkedIn,
      status: state.status, failure: state.failure, logger: logger)
    try await actor.restore()
    await actor.logPhase(resumed: true)
    return actor
  }

  private func restore() async throws(AggregationServiceError) {
    switch status {
    case .running:
      let resumed = try await DurableRound.resume(
        id: id, store: store, identityDirectory: record.identityDirectory)
      round = resumed
      phaseCohort = liveRecipients(of: resumed)
      phaseDeadline = clock() + record.phaseMilliseconds
    case .finished:
      release = try await store.round(id)?.release
    case .checkingIn, .refused, .failed:
      break
    }
  }

  /// The open phase: 0 while checking in, then 1, 2, ….
  var phase: Int { round?.phaseNumber ?? 0 }

  /// How many clients answered the open phase.
  var answeredCount: Int { round?.answered.count ?? 0 }

  // MARK: Clients

  /// Records a check-in, and starts the round when its cohort is full.
  func checkIn(participant: Int) async throws(AggregationServiceError) -> RoundStatus {
    await lock()
    defer { unlock() }
    guard status == .checkingIn else { return status }
    checkedIn = try await store.checkIn(
      roundID: id, participant: participant, atMilliseconds: clock())
    if checkedIn.count >= plan.secureAggregation.clientCount {
      try await start()
    }
    return status
  }

  /// What `participant`'s Next gets: its message for the phase after `answeredPhases`, or
  /// the round's end, waiting up to `wait` for either.
  func next(participant: Int, answeredPhases: Int, wait: Duration) async -> NextOutcome {
    let deadline = ContinuousClock.now + wait
    while true {
      let outcome = nextNow(participant: participant, answeredPhases: answeredPhases)
      guard outcome == .pending, ContinuousClock.now < deadline, !Task.isCancelled else {
        return outcome
      }
      await waitForChange(until: deadline)
    }
  }

  /// Waits up to `wait` for the round to be over.
  func waitUntilOver(wait: Duration) async {
    let deadline = ContinuousClock.now + wait
    while !isOver, ContinuousClock.now < deadline, !Task.isCancelled {
      await waitForChange(until: deadline)
    }
  }

  private func nextNow(participant: Int, answeredPhases: Int) -> NextOutcome {
    switch status {
    case .checkingIn: return .pending
    case .finished:
      // A client whose update is not in the sum was dropped, however late it asks.
      guard let release, release.survivors.contains(participant) else { return .dropped }
      return .ended(status)
    case .refused, .failed: return .ended(status)
    case .running: break
    }
    guard let round else { return .pending }
    let phase = round.phaseNumber
    if answeredPhases >= phase { return .pending }
    guard answeredPhases == phase - 1,
      let message = round.outbox.first(where: { $0.recipient.index == participant })
    else { return .dropped }
    return .message(message.serializedBytes(), phase: phase)
  }

  /// Takes one client's reply; closes the phase at once when every live client has answered.
  ///
  /// Replies are committed in groups (group commit): each is taken into the round at once, and
  /// acknowledged only when a store write that holds it has committed, so a client is never
  /// told a reply was taken that a crash would lose. Replies that arrive while one write is in
  /// flight share the next write: one transaction (and one sync to disk) for many messages.
  ///
  /// - Throws: ``ServiceFault`` with what to tell the client.
  func submit(participant: Int, bytes: [UInt8]) async throws(ServiceFault)
    -> DurableRound.Receipt
  {
    let limit = WireFormat.maximumMessageByteCount(for: plan.secureAggregation)
    guard bytes.count <= limit else {
      throw .resourceExhausted("a message of \(bytes.count) bytes; at most \(limit)")
    }
    let message: ClientMessage
    do {
      message = try ClientMessage(serializedBytes: bytes, configuration: plan.secureAggregation)
    } catch {
      throw .invalidArgument("the message does not decode: \(error)")
    }
    guard message.sender.index == participant else {
      throw .permissionDenied("the message's sender is not this credential's participant")
    }
    await lock()
    guard status == .running, var round else {
      unlock()
      throw .failedPrecondition("round \(id) is \(status.rawValue), not running")
    }
    let receipt: DurableRound.Receipt
    do {
      receipt = try round.stage(bytes, decoded: message)
      self.round = round
    } catch {
      await recover(after: error)
      unlock()
      throw ServiceFault(error)
    }
    let phase = round.phaseNumber
    // A retry of a staged reply waits for the same writes as its first copy.
    if round.hasStaged { stagedCount += 1 }
    let ticket = stagedCount
    unlock()
    try await awaitCommit(of: ticket)
    // A duplicate too: its first copy's write may have committed without an acknowledgement,
    // and the round rebuilt from the store may now hold every answer.
    await lock()
    if status == .running, self.round?.phaseNumber == phase, everyoneAnswered() {
      await closePhase()
    }
    unlock()
    return receipt
  }

  // MARK: Group commit

  /// Returns when the staged replies up to `ticket` are committed; throws when the write that
  /// held them failed (the round was then rebuilt from its store, without them: the client
  /// sends again).
  private func awaitCommit(of ticket: Int) async throws(ServiceFault) {
    guard ticket > committedCount else { return }
    let outcome: ServiceFault? = await withCheckedContinuation { continuation in
      commitWaiters.append((ticket, continuation))
      if !writing {
        writing = true
        Task { await self.writeStaged() }
      }
    }
    if let outcome { throw outcome }
  }

  /// The writer: while replies are staged, takes them all and appends them in one
  /// transaction, outside the lock so that more replies are staged meanwhile. A phase close
  /// waits for the write in flight and writes what is staged with the close.
  private func writeStaged() async {
    defer {
      writing = false
      resumeWriteWaiters()
    }
    while true {
      await lock()
      guard var round, round.hasStaged else {
        unlock()
        return
      }
      let events = round.takeStaged()
      self.round = round
      let through = stagedCount
      inFlight = true
      unlock()
      do {
        try await store.append(events, to: id)
        inFlight = false
        resumeWriteWaiters()
        committed(through: through)
      } catch {
        inFlight = false
        resumeWriteWaiters()
        await lock()
        self.round?.markDiverged()
        failUncommitted(ServiceFault(error))
        await recover(after: error)
        // The write may have committed (a lost acknowledgement): the rebuilt round may hold
        // every answer of its phase.
        if status == .running, everyoneAnswered() { await closePhase() }
        unlock()
        return
      }
    }
  }

  /// Waits until no write of staged replies is in flight (a phase close calls it with the lock
  /// held, so nothing is staged or taken meanwhile).
  private func waitForWriteInFlight() async {
    while inFlight {
      await withCheckedContinuation { writeWaiters.append($0) }
    }
  }

  private func resumeWriteWaiters() {
    let waiters = writeWaiters
    writeWaiters = []
    for waiter in waiters { waiter.resume() }
  }

  /// Acknowledges every reply staged up to `count`.
  private func committed(through count: Int) {
    committedCount = max(committedCount, count)
    let ready = commitWaiters.filter { $0.ticket <= committedCount }
    commitWaiters.removeAll { $0.ticket <= committedCount }
    for waiter in ready { waiter.continuation.resume(returning: nil) }
  }

  /// Fails every reply not yet committed (its write failed, or the round ended without it).
  private func failUncommitted(_ fault: ServiceFault) {
    let waiting = commitWaiters
    commitWaiters = []
    stagedCount = committedCount
    for waiter in waiting { waiter.continuation.resume(returning: fault) }
  }

  // MARK: Deadlines

  /// Starts a round whose check-in closed, and closes a phase whose deadline passed.
  func tick() async {
    await lock()
    defer { unlock() }
    let now = clock()
    switch status {
    case .checkingIn:
      guard now >= record.checkInDeadlineMilliseconds else { return }
      let minimum = plan.secureAggregation.minimumSurvivors
      guard checkedIn.count >= minimum else {
        await fail(
          "\(checkedIn.count) of \(plan.secureAggregation.clientCount) clients checked in "
            + "by the deadline; the round needs at least \(minimum)")
        return
      }
      try? await start()
    case .running:
      guard let deadline = phaseDeadline, now >= deadline else { return }
      await closePhase()
    case .finished, .refused, .failed:
      return
    }
  }

  /// Whether the round is over (finished, refused or failed).
  var isOver: Bool { status == .finished || status == .refused || status == .failed }

  // MARK: Transitions

  private func start() async throws(AggregationServiceError) {
    do {
      round = try await DurableRound.begin(
        id: id, configuration: record.configuration,
        population: record.population.map { ($0, record.budget) },
        identityDirectory: record.identityDirectory, store: store)
      status = .running
      phaseCohort = checkedIn.count
      // From now, after the commit: a phase's clients get its whole length.
      phaseDeadline = clock() + record.phaseMilliseconds
    } catch {
      switch error {
      case .budgetExceeded:
        // Stored as refused by beginRound; the reason is kept beside it.
        try? await store.failRound(id, reason: error.description)
        status = .refused
        failure = error.description
      case .refused, .populationMismatch:
        await fail("the round cannot begin: \(error)")
      case .store, .duplicateRound:
        // The begin may have committed before it failed (a lost acknowledgement, or another
        // process): the store says where the round is.
        guard let state = try? await store.serviceRound(id), state.status != .checkingIn else {
          throw error
        }
        if state.status == .running {
          let resumed = try await DurableRound.resume(
            id: id, store: store, identityDirectory: record.identityDirectory)
          round = resumed
          phaseCohort = liveRecipients(of: resumed)
          phaseDeadline = clock() + record.phaseMilliseconds
        }
        status = state.status
        failure = state.failure
      default:
        throw error
      }
    }
    logPhase()
    signalChange()
  }

  private func everyoneAnswered() -> Bool {
    guard let round else { return false }
    let live = round.outbox.map(\.recipient).filter { checkedIn.contains($0.index) }
    return live.allSatisfy { round.answered.contains($0) }
  }

  private func closePhase() async {
    // Replies in flight are committed (or failed) first; the close writes what is still staged.
    await waitForWriteInFlight()
    guard var round else { return }
    let unanswered = unansweredCount(of: round)
    let answered = round.answered.count
    do {
      let closed = try await round.advance()
      committed(through: stagedCount)
      metrics?.clientsDropped(unanswered)
      switch closed {
      case .send:
        self.round = round
        phaseDeadline = clock() + record.phaseMilliseconds
        logPhase(answered: answered)
        phaseCohort = liveRecipients(of: round)
      case .finished(let release):
        self.round = nil
        self.release = release
        status = .finished
        phaseDeadline = nil
        logPhase(answered: answered)
      }
    } catch {
      switch error {
      case .refused(let reason):
        await fail("phase \(round.phaseNumber) closed without enough answers: \(reason)")
      case .budgetExceeded:
        // Only a store changed by hand gets here (the round's reservation was admitted); the
        // release was not stored, and is dropped with the round.
        await fail("the release cannot be charged: \(error)")
      default:
        await recover(after: error)
      }
    }
    signalChange()
  }

  /// After a failed write, rebuilds the round from its store (what was committed is all that
  /// counts); leaves it for the next call when the store still fails.
  ///
  /// The write may have committed before it failed (a lost acknowledgement): the resumed
  /// round is then a phase further, or finished, and is taken as such.
  private func recover(after error: AggregationServiceError) async {
    switch error {
    case .mustResume, .store:
      // What was staged and not committed is not in the store: those replies are sent again.
      failUncommitted(ServiceFault(error))
      guard
        let resumed = try? await DurableRound.resume(
          id: id, store: store, identityDirectory: record.identityDirectory)
      else { return }
      if let release = resumed.release {
        round = nil
        self.release = release
        status = .finished
        phaseDeadline = nil
      } else {
        if resumed.phaseNumber != round?.phaseNumber {
          phaseDeadline = clock() + record.phaseMilliseconds
        }
        round = resumed
      }
      logPhase()
      if let round { phaseCohort = liveRecipients(of: round) }
      signalChange()
    default:
      return
    }
  }

  private func fail(_ reason: String) async {
    do {
      try await store.failRound(id, reason: reason)
    } catch {
      return  // still as stored; the next tick tries again
    }
    round = nil
    status = .failed
    failure = reason
    phaseDeadline = nil
    failUncommitted(.failedPrecondition("round \(id) failed"))
    logPhase()
    signalChange()
  }

  // MARK: Logging

  /// The clients of `round`'s open phase that are still in the round.
  private func liveRecipients(of round: DurableRound) -> Int {
    round.outbox.filter { checkedIn.contains($0.recipient.index) }.count
  }

  /// The round's phase as the log names it.
  var phaseName: RoundPhaseName {
    switch status {
    case .checkingIn: return .checkingIn
    case .finished: return .finished
    case .failed: return .failed
    case .refused: return .refused
    case .running:
      guard let round else { return .finished }
      return RoundPhaseName(round.phase)
    }
  }

  /// Logs `round ID phase NAME` when the phase differs from the last one logged, with what
  /// the previous phase ended with as metadata.
  ///
  /// - Parameters:
  ///   - answered: how many clients answered the phase that just closed.
  ///   - resumed: whether the round was just loaded from the store (after a restart).
  private func logPhase(answered: Int? = nil, resumed: Bool = false) {
    let name = phaseName
    guard name != loggedPhase else { return }
    loggedPhase = name
    var metadata: Logger.Metadata = [
      "round": "\(id)", "phase": "\(name.rawValue)",
      "clients": "\(plan.secureAggregation.clientCount)",
      "checked-in": "\(checkedIn.count)",
    ]
    if let answered {
      metadata["answered"] = "\(answered)"
      metadata["dropped"] = "\(max(phaseCohort - answered, 0))"
    }
    if let round { metadata["live"] = "\(liveRecipients(of: round))" }
    if let release { metadata["survivors"] = "\(release.survivors.count)" }
    if resumed { metadata["resumed"] = "true" }
    if let failure, status == .failed || status == .refused {
      metadata["reason"] = "\(failure)"
    }
    let level: Logger.Level = status == .failed ? .warning : .info
    logger.log(level: level, "round \(id) phase \(name.rawValue)", metadata: metadata)
  }

  // MARK: Waiting

  /// Waits until the next change or `deadline`. Registers before it suspends, so a change that
  /// follows the caller's last look is never missed.
  private func waitForChange(until deadline: ContinuousClock.Instant) async {
    let ticket = nextTicket
    nextTicket += 1
    let timer = Task { [weak self] in
      try? await Task.sleep(until: deadline)
      await self?.wake(ticket)
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        waiters[ticket] = continuation
      }
    } onCancel: {
      Task { [weak self] in await self?.wake(ticket) }
    }
    timer.cancel()
  }

  private func wake(_ ticket: Int) {
    waiters.removeValue(forKey: ticket)?.resume()
  }

  /// Wakes every long-poll (the service is stopping).
  func wakeAll() {
    signalChange()
  }

  private func signalChange() {
    let woken = waiters
    waiters = [:]
    for continuation in woken.values { continuation.resume() }
  }

  private func lock() async {
    if busy {
      await withCheckedContinuation { queue.append($0) }
    } else {
      busy = true
    }
  }

  private func unlock() {
    if queue.isEmpty {
      busy = false
    } else {
      queue.removeFirst().resume()
    }
  }
}

/// What a client's Next gets.
enum NextOutcome: Equatable {
  /// Its message for `phase`, as wire bytes.
  case message([UInt8], phase: Int)
  /// Nothing yet.
  case pending
  /// A phase closed without it.
  case dropped
  /// The round is over.
  case ended(RoundStatus)
}
