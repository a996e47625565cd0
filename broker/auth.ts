import {
  checkSecretHash,
  isMachineSecretHash,
  verifyMachineSecret,
  verifySecret,
  type Inventory,
} from '../protocol/index.js';
import { CredentialStore } from './credential-store.js';
import { devicePrincipal, servicePrincipal, type Principal, type ServiceRole } from './acl.js';

/** A platform account that is not a device (ingest replicas, coverage, read-only consoles). */
export interface ServiceAccount {
  username: string;
  /** From `loa secret hash`, like device secrets. */
  secretHash: string;
  role: ServiceRole;
  /** A reader confined to one province (an operator console); absent: every province. */
  province?: string;
}

/** Why a CONNECT is refused; each is counted. */
export const AUTH_FAILURES = [
  /** No username or no password. */
  'missing_credentials',
  /** A device's client id must be its device id; a service account's, its username or `{username}-...`. */
  'client_id_mismatch',
  /** Neither a device of the inventory nor a service account. */
  'unknown_user',
  /** An FM or wired device: it has no secret and cannot report. */
  'unmonitored',
  /** The password does not match the stored hash. */
  'bad_secret',
  /** Verification itself failed (an unusable stored hash, an scrypt error). */
  'error',
  /** A verified client certificate whose CN is not the client id (or the username). */
  'certificate_mismatch',
  /**
   * Too many failed attempts from this client id and address, or from this address, lately; or too many
   * slow checks waiting (broker/login-guard.ts): not even checked.
   */
  'throttled',
  /** Too many CONNECTs from this client id and address, or from this address, lately (broker/limits.ts). */
  'rate_limited',
] as const;
export type AuthFailure = (typeof AUTH_FAILURES)[number];

/** MQTT 3.1.1 CONNACK return codes used for refusals. */
export const CONNACK = {
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;
export type RefusalCode = (typeof CONNACK)[keyof typeof CONNACK];

export type AuthOutcome =
  { ok: true; principal: Principal } | { ok: false; reason: AuthFailure; returnCode: RefusalCode };

const RETURN_CODES: Record<AuthFailure, RefusalCode> = {
  missing_credentials: CONNACK.badUsernameOrPassword,
  client_id_mismatch: CONNACK.identifierRejected,
  unknown_user: CONNACK.badUsernameOrPassword,
  unmonitored: CONNACK.notAuthorized,
  bad_secret: CONNACK.badUsernameOrPassword,
  error: CONNACK.serverUnavailable,
  throttled: CONNACK.serverUnavailable,
  rate_limited: CONNACK.serverUnavailable,
  certificate_mismatch: CONNACK.notAuthorized,
};

export function authFailure(reason: AuthFailure): AuthOutcome {
  return { ok: false, reason, returnCode: RETURN_CODES[reason] };
}

export interface CredentialCheckerOptions {
  /** Read on every CONNECT, so a reloaded inventory takes effect for the next connection. */
  inventory: () => Inventory;
  serviceAccounts?: readonly ServiceAccount[];
  /** Slow hash verification; replaceable for tests. */
  verify?: (secret: string, hash: string) => Promise<boolean>;
}

export class CredentialChecker {
  private readonly inventory: () => Inventory;
  private readonly services: ReadonlyMap<string, ServiceAccount>;
  private readonly verify: (secret: string, hash: string) => Promise<boolean>;
  /** Keyed by `d:{device id}` or `s:{username}`: the two namespaces never mix. */
  private readonly cache = new CredentialStore();
  /** Concurrent checks of the same credentials share one scrypt run. */
  private readonly pending = new Map<string, Promise<boolean | 'throttled'>>();

  constructor(options: CredentialCheckerOptions) {
    this.inventory = options.inventory;
    this.verify = options.verify ?? verifySecret;
    this.services = indexServiceAccounts(options.serviceAccounts ?? [], options.inventory());
  }

  /**
   * `slot` is awaited before each slow check (scrypt) and released after it; undefined from it refuses
   * the login as `throttled` (broker/login-guard.ts). Verified secrets are checked without it.
   */
  async check(
    clientId: string,
    username: string | undefined,
    password: Buffer | undefined,
    slot: SlowCheckSlot = noGate,
  ): Promise<AuthOutcome> {
    if (username === undefined || username.length === 0 || password === undefined || password.length === 0) {
      return authFailure('missing_credentials');
    }
    const service = this.services.get(username);
    if (service) {
      // Replicas need their own client ids; none may take over a device's session.
      const ownId = clientId === username || clientId.startsWith(`${username}-`);
      if (!ownId || this.inventory().device(clientId)) return authFailure('client_id_mismatch');
      const ok = await this.verified(`s:${username}`, password, service.secretHash, slot);
      if (ok === 'throttled' || ok === undefined) return authFailure(ok ?? 'error');
      return ok
        ? { ok: true, principal: servicePrincipal(username, service.role, service.province) }
        : authFailure('bad_secret');
    }
    // Checked before the look-up and before scrypt: cheap, and it reveals nothing about the inventory.
    if (clientId !== username) return authFailure('client_id_mismatch');
    const device = this.inventory().device(username);
    if (!device) return authFailure('unknown_user');
    if (!device.monitored || device.secretHash === undefined) return authFailure('unmonitored');
    const ok = await this.verified(`d:${username}`, password, device.secretHash, slot);
    if (ok === 'throttled' || ok === undefined) return authFailure(ok ?? 'error');
    return ok ? { ok: true, principal: devicePrincipal(device) } : authFailure('bad_secret');
  }

  /**
   * Mutual TLS: a certificate the listener verified against its CA, whose CN is a device id, proves
   * that device without a password. The CN must be the client id (and the username, when one is
   * given). Undefined when the CN is not a device of the inventory: the password decides then.
   */
  checkCertificate(
    clientId: string,
    username: string | undefined,
    commonName: string,
  ): AuthOutcome | undefined {
    const device = this.inventory().device(commonName);
    if (!device) return undefined;
    if (clientId !== commonName || (username !== undefined && username !== commonName)) {
      return authFailure('certificate_mismatch');
    }
    if (!device.monitored) return authFailure('unmonitored');
    return { ok: true, principal: devicePrincipal(device) };
  }

  /** Keeps verified credentials in `file` (read now, appended to as logins are verified). */
  open(file: string): Promise<void> {
    return this.cache.open(file);
  }

  /** Entries currently cached (for metrics and tests). */
  get cachedCount(): number {
    return this.cache.size;
  }

  /** true/false, `throttled` when no slow-check slot was given, undefined when verification failed. */
  private async verified(
    key: string,
    password: Buffer,
    hash: string,
    slot: SlowCheckSlot,
  ): Promise<boolean | 'throttled' | undefined> {
    // A machine-generated secret (`loa secret new`) costs one HMAC to check: no slow-check slot, and
    // nothing to cache, so a restarted broker accepts such a fleet at network speed (issue #14, point 3).
    if (isMachineSecretHash(hash)) return verifyMachineSecret(password.toString('utf8'), hash);
    const digest = this.cache.digest(password);
    if (this.cache.matches(key, hash, digest)) return true;

    const pendingKey = `${key}\0${hash}\0${digest.toString('base64')}`;
    let run = this.pending.get(pendingKey);
    if (!run) {
      run = this.slowCheck(password, hash, slot);
      this.pending.set(pendingKey, run);
    }
    try {
      const ok = await run;
      if (ok === 'throttled') return ok;
      if (ok) this.cache.remember(key, hash, digest);
      return ok;
    } catch {
      return undefined;
    } finally {
      this.pending.delete(pendingKey);
    }
  }

  private async slowCheck(
    password: Buffer,
    hash: string,
    slot: SlowCheckSlot,
  ): Promise<boolean | 'throttled'> {
    const release = await slot();
    if (release === undefined) return 'throttled';
    try {
      return await this.verify(password.toString('utf8'), hash);
    } finally {
      release();
    }
  }
}

/** Waits for the right to run one slow check; resolves with its release, or undefined when refused. */
export type SlowCheckSlot = () => Promise<(() => void) | undefined>;

const noGate: SlowCheckSlot = () => Promise.resolve(() => undefined);

function indexServiceAccounts(
  accounts: readonly ServiceAccount[],
  inventory: Inventory,
): ReadonlyMap<string, ServiceAccount> {
  const byName = new Map<string, ServiceAccount>();
  for (const account of accounts) {
    const { username } = account;
    if (username.length === 0) throw new Error('a service account needs a username');
    if (byName.has(username)) throw new Error(`service account "${username}" is defined twice`);
    if (inventory.device(username)) {
      throw new Error(`service account "${username}" has the id of a device of the inventory`);
    }
    const bad = checkSecretHash(account.secretHash);
    if (bad !== undefined) throw new Error(`service account "${username}": secretHash is ${bad}`);
    byName.set(username, account);
  }
  return byName;
}
