/**
 * Counts messages in flight to or from real I/O (a real MQTT broker, the gateway's sockets).
 * The VirtualClock does not move to its next timer while the count is above zero, so an
 * accelerated run never judges a message late because a socket took a real millisecond.
 *
 * Call begin() synchronously in the code that hands the message to the socket (inside the
 * timer callback), and the returned ticket when the message has arrived at the other side.
 */
export type IoTicket = () => void;

export class IoGuard {
  private inFlight = 0;
  private generation = 0;
  private waiters: Array<() => void> = [];
  /** Total begin() calls. */
  begun = 0;
  /** end() calls with nothing in flight: a bug in the caller, counted rather than thrown. */
  unbalancedEnds = 0;
  /** Messages given up by abandon() (the clock's bounded wait ran out): presumed lost. */
  abandoned = 0;
  /** Tickets of abandoned messages that completed after all (late, not lost). */
  lateEnds = 0;

  get count(): number {
    return this.inFlight;
  }

  /** A message was handed to real I/O; call the returned ticket once when it has arrived. */
  begin(): IoTicket {
    this.inFlight++;
    this.begun++;
    const gen = this.generation;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (gen !== this.generation) this.lateEnds++;
      else this.decrement();
    };
  }

  /** Ends one anonymous message (prefer the ticket from begin(), which is exact). */
  end(): void {
    if (this.inFlight === 0) this.unbalancedEnds++;
    else this.decrement();
  }

  /** begin() now, and end when the promise settles either way; returns the same promise. */
  track<T>(promise: Promise<T>): Promise<T> {
    const ticket = this.begin();
    promise.then(ticket, ticket);
    return promise;
  }

  /** Resolves when nothing is in flight (immediately if already so). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Forgets every message in flight (they are presumed lost) so the clock can go on; their
   * tickets are counted as late if they complete after all.
   */
  abandon(): number {
    const n = this.inFlight;
    this.abandoned += n;
    this.inFlight = 0;
    this.generation++;
    this.wakeWaiters();
    return n;
  }

  private decrement(): void {
    this.inFlight--;
    if (this.inFlight === 0) this.wakeWaiters();
  }

  private wakeWaiters(): void {
    const ws = this.waiters;
    this.waiters = [];
    for (const w of ws) w();
  }
}
