import { describe, expect, it } from 'vitest';
import {
  InfluxWriteError,
  parseRetryAfter,
  serverMessage,
  writeErrorFromNetwork,
  writeErrorFromResponse,
  type WriteTarget,
} from './errors.js';

const db: WriteTarget = { kind: 'database', name: 'loa' };

describe('serverMessage', () => {
  it('reads 1.x {"error"}, 2.x {"message"} and plain text', () => {
    expect(serverMessage('{"error":"database not found: \\"x\\""}')).toBe('database not found: "x"');
    expect(serverMessage('{"code":"invalid","message":"partial write error"}')).toBe('partial write error');
    expect(serverMessage('Bad Gateway\n')).toBe('Bad Gateway');
    expect(serverMessage('', 'from header')).toBe('from header');
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('5')).toBe(5000);
    expect(parseRetryAfter('0')).toBe(0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('')).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('writeErrorFromResponse', () => {
  it('makes 429 and 5xx retryable and honours Retry-After', () => {
    const e429 = writeErrorFromResponse({ status: 429, body: '', retryAfter: '3' }, db);
    expect(e429).toBeInstanceOf(InfluxWriteError);
    expect(e429).toMatchObject({ status: 429, retryable: true, retryAfterMs: 3000, partial: false });
    const e503 = writeErrorFromResponse({ status: 503, body: '{"error":"overloaded"}' }, db);
    expect(e503).toMatchObject({ status: 503, retryable: true });
    expect(e503.retryAfterMs).toBeUndefined();
    expect(e503.message).toContain('overloaded');
    expect(writeErrorFromResponse({ status: 500, body: '{"error":"timeout"}' }, db).retryable).toBe(true);
  });
  it('keeps the server message of a 400 and flags partial writes', () => {
    const body =
      '{"error":"partial write: field type conflict: input field \\"v\\" on measurement \\"m\\" is type string, already exists as type float dropped=1"}';
    const e = writeErrorFromResponse({ status: 400, body }, db);
    expect(e).toMatchObject({ status: 400, retryable: false, partial: true, dropped: 1, body });
    expect(e.message).toContain('field type conflict: input field "v"');
    const whole = writeErrorFromResponse({ status: 400, body: '{"error":"field type conflict"}' }, db);
    expect(whole).toMatchObject({ retryable: false, partial: false });
  });
  it('names the missing database on 404', () => {
    const e = writeErrorFromResponse(
      { status: 404, body: '{"error":"database not found: \\"nope\\""}' },
      {
        kind: 'database',
        name: 'nope',
      },
    );
    expect(e).toMatchObject({ status: 404, retryable: false });
    expect(e.message).toMatch(/database "nope" not found/);
  });
  it('names the bucket and org on a v2 404', () => {
    const e = writeErrorFromResponse(
      { status: 404, body: '{"code":"not found","message":"bucket not found"}' },
      {
        kind: 'bucket',
        name: 'b',
        org: 'o',
      },
    );
    expect(e.message).toMatch(/bucket "b" \(org "o"\) not found/);
  });
  it('does not retry authentication failures', () => {
    expect(
      writeErrorFromResponse({ status: 401, body: '{"error":"authorization failed"}' }, db),
    ).toMatchObject({
      retryable: false,
      status: 401,
    });
    expect(writeErrorFromResponse({ status: 403, body: '' }, db).retryable).toBe(false);
  });
});

describe('writeErrorFromNetwork', () => {
  it('is retryable and keeps the code and cause', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const e = writeErrorFromNetwork(cause, 'http://127.0.0.1:1', db);
    expect(e).toMatchObject({ retryable: true, code: 'ECONNREFUSED', partial: false });
    expect(e.status).toBeUndefined();
    expect(e.cause).toBe(cause);
    expect(e.message).toContain('ECONNREFUSED');
  });
});
