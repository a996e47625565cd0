import { FailureThrottle } from './limits.js';

/**
 * Throttling of logins (issue #14, points 1 and 2). It slows a guesser without ever locking the owner
 * out: device ids are not secret, so nothing here is keyed by the client id alone.
 *
 * - Failures are counted per (client id, address) and per address, in a window. A key over its limit is
 *   refused before any look-up or scrypt run; an address that has not failed is never refused, so a
 *   device is not locked out by guesses made elsewhere for its id.
 * - An attempt is counted against its (client id, address) while it is being checked, not only once it
 *   has failed: 300 guesses for one id sent at once from one address are checked 5 at most, not 300
 *   (the "blocked?" test used to run before any failure was recorded). The address's limit is checked
 *   again right before each slow check, so guesses for many ids waiting in line stop at the limit too.
 * - Slow checks (scrypt) pass a gate: a few in total (the thread pool has 4 threads), and a few per
 *   address once that address has failed; the others wait in line, logins from addresses without
 *   failures first. Waiting
 *   attempts from addresses that have failed are bounded (`slowCheckQueue`); past that they are refused.
 *   An honest login that needs scrypt during a flood waits for one free slot, not behind the flood.
 *
 * Like Mosquitto and EMQX, a refusal for throttling is CONNACK 3 "server unavailable": worth retrying
 * later, unlike 4 "bad user name or password".
 */
export interface LoginGuardLimits {
  /** Failed or in-flight logins per (client id, address) in a window. */
  failuresPerClientAddress: number;
  /** The same per remote address (higher: many 4G devices share one carrier-grade NAT address). */
  failuresPerAddress: number;
  windowMs: number;
  /** Slow checks running at once for one address that has failed. */
  slowChecksPerAddress: number;
  /** Slow checks running at once for all addresses that have failed, together. */
  slowChecksForSuspects: number;
  /** Slow checks running at once in total (the global budget). */
  slowChecksInFlight: number;
  /** Attempts from addresses that have failed, waiting for a slow check; beyond this they are refused. */
  slowCheckQueue: number;
}

/** One login being checked: settle it once with whether it failed. */
export interface LoginTicket {
  readonly clientAddressKey: string;
  readonly address: string;
  settled: boolean;
}

interface Waiter {
  address: string;
  suspect: boolean;
  resolve: (granted: boolean) => void;
}

export class LoginGuard {
  private readonly byClientAddress: FailureThrottle;
  private readonly byAddress: FailureThrottle;
  private readonly running = new Map<string, number>();
  private runningTotal = 0;
  private readonly waiting: Waiter[] = [];
  private suspectWaiting = 0;
  /** Slow checks started since the broker started (a metric). */
  slowChecks = 0;

  constructor(
    private readonly limits: LoginGuardLimits,
    now: () => number,
  ) {
    this.byClientAddress = new FailureThrottle(limits.failuresPerClientAddress, limits.windowMs, now);
    this.byAddress = new FailureThrottle(limits.failuresPerAddress, limits.windowMs, now);
  }

  /** Starts a login, or undefined when its (client id, address) or its address is over its limit. */
  begin(clientId: string, address: string): LoginTicket | undefined {
    const clientAddressKey = `${address}\0${clientId}`;
    if (this.byClientAddress.blocked(clientAddressKey) || this.byAddress.blocked(address)) return undefined;
    // Only the pair counts attempts in flight: many honest devices behind one NAT address log in at
    // once after a restart. The address's own limit is checked again just before each slow check.
    this.byClientAddress.begin(clientAddressKey);
    return { clientAddressKey, address, settled: false };
  }

  /** Ends a login; a failure counts against its keys for the rest of the window. */
  settle(ticket: LoginTicket, failed: boolean): void {
    if (ticket.settled) return;
    ticket.settled = true;
    this.byClientAddress.end(ticket.clientAddressKey, failed);
    if (failed) this.byAddress.fail(ticket.address);
  }

  /**
   * Waits for a slow-check slot; false when refused (too many suspect attempts waiting). Call the
   * returned release once the check is done.
   */
  async slot(address: string): Promise<(() => void) | undefined> {
    const release = () => {
      this.runningTotal--;
      const n = (this.running.get(address) ?? 1) - 1;
      if (n === 0) this.running.delete(address);
      else this.running.set(address, n);
      this.next();
    };
    if (this.byAddress.blocked(address)) return undefined;
    if (this.waiting.length === 0 && this.free(address)) {
      this.take(address);
      return release;
    }
    const suspect = this.suspect(address);
    if (suspect && this.suspectWaiting >= this.limits.slowCheckQueue) return undefined;
    const granted = await new Promise<boolean>((resolve) => {
      this.waiting.push({ address, suspect, resolve });
      if (suspect) this.suspectWaiting++;
    });
    return granted ? release : undefined;
  }

  /**
   * A slot is free within the global budget. Addresses that have failed get at most
   * `slowChecksPerAddress` slots each and `slowChecksForSuspects` among them all: on two cores, two
   * guessers' scrypt runs would take the whole machine from honest logins. Addresses without failures
   * are not capped, so that a fleet behind one NAT address is not slowed on its first start.
   */
  private free(address: string): boolean {
    if (this.runningTotal >= this.limits.slowChecksInFlight) return false;
    if (!this.suspect(address)) return true;
    return (
      (this.running.get(address) ?? 0) < this.limits.slowChecksPerAddress &&
      this.suspectsRunning() < this.limits.slowChecksForSuspects
    );
  }

  private suspectsRunning(): number {
    let n = 0;
    for (const [address, count] of this.running) if (this.suspect(address)) n += count;
    return n;
  }

  private suspect(address: string): boolean {
    return this.byAddress.failures(address) > 0;
  }

  private take(address: string): void {
    this.runningTotal++;
    this.slowChecks++;
    this.running.set(address, (this.running.get(address) ?? 0) + 1);
  }

  /** Starts the next waiter that may run: from an address without failures first. */
  private next(): void {
    while (this.runningTotal < this.limits.slowChecksInFlight) {
      let pick = -1;
      for (let i = 0; i < this.waiting.length; i++) {
        const w = this.waiting[i] as Waiter;
        if (!this.free(w.address)) continue;
        // Judged now, not when it began to wait: the first failures of a flood demote the rest of it.
        if (!this.suspect(w.address)) {
          pick = i;
          break;
        }
        if (pick < 0) pick = i;
      }
      if (pick < 0) return;
      const [waiter] = this.waiting.splice(pick, 1) as [Waiter];
      if (waiter.suspect) this.suspectWaiting--;
      // Guesses that were waiting when their address reached its limit are refused, not checked.
      if (this.byAddress.blocked(waiter.address)) {
        waiter.resolve(false);
        continue;
      }
      this.take(waiter.address);
      waiter.resolve(true);
    }
  }

  /** Slow checks running now and attempts waiting for one (metrics, tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.runningTotal, waiting: this.waiting.length };
  }

  prune(): void {
    this.byClientAddress.prune();
    this.byAddress.prune();
  }
}
