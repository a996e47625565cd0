// Why the broker would not take this box, in words its operator can act on (issue #14, point 12).
// MQTT 3.1.1 refuses a CONNECT with one of five CONNACK codes [MQTT-3.2.2-3]; Loa's broker uses them as
// docs/protocol.md §9 says. A code cannot tell a wrong secret from an unknown device id (both are 4,
// on purpose: a guesser must not learn which ids exist), nor give a lock-out's length (3.1.1 has no
// reason string), so each line says what to check, Vietnamese first for the operator on site.

/** What went wrong, as a stable id for logs, `/v1/status` and tests. */
export type Refusal =
  | 'protocol_version'
  | 'identifier_rejected'
  | 'server_unavailable'
  | 'bad_credentials'
  | 'not_authorized'
  | 'wrong_place'
  | 'unreachable';

/** The line for each: Vietnamese, then English. */
export const REFUSAL_LINES: Record<Refusal, string> = {
  protocol_version:
    'máy chủ không nhận phiên bản MQTT này / the broker refused the MQTT version (CONNACK 1): check brokerUrl',
  identifier_rejected:
    'máy chủ từ chối mã thiết bị (client id) / the broker refused the client id (CONNACK 2): deviceId must be written exactly as in the inventory',
  server_unavailable:
    'máy chủ tạm từ chối: thiết bị bị khóa tạm thời sau nhiều lần đăng nhập sai, hoặc máy chủ quá tải; tự thử lại sau / the broker refused for now (CONNACK 3): locked out for a while after failed logins, or busy; retrying with backoff',
  bad_credentials:
    'sai mật khẩu, hoặc mã thiết bị không có trong danh mục / wrong secret, or a device id the inventory does not have (CONNACK 4): check deviceId and secret with the provincial engineer',
  not_authorized:
    'thiết bị không được phép gửi (thiết bị FM/không giám sát, hoặc chứng thư số của thiết bị khác) / not authorized (CONNACK 5): the inventory lists this device as FM (unmonitored), or its certificate names another device',
  wrong_place:
    'sai tỉnh/xã trong cấu hình: máy chủ nhận kết nối rồi ngắt ở bản tin đầu tiên / wrong province or commune in the config: the broker accepted the connection, then closed it at the first message',
  unreachable: 'không kết nối được máy chủ; tự thử lại / broker not reachable; retrying with backoff',
};

const BY_CONNACK: Record<number, Refusal> = {
  1: 'protocol_version',
  2: 'identifier_rejected',
  3: 'server_unavailable',
  4: 'bad_credentials',
  5: 'not_authorized',
};

/**
 * The refusal an mqtt.js connection error stands for: a CONNACK return code (mqtt.js raises
 * `Connection refused: …` with `code` 1–5), else the network (`ECONNREFUSED`, a timeout, DNS).
 */
export function refusalOf(error: Error & { code?: unknown }): Refusal {
  if (typeof error.code === 'number' && error.message.startsWith('Connection refused')) {
    return BY_CONNACK[error.code] ?? 'unreachable';
  }
  return 'unreachable';
}
