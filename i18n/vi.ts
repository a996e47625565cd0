import type { Message } from './catalogue.js';

/**
 * Vietnamese, the default language. Words as the provinces use them: a telemetry message is "bản ghi"
 * or "dữ liệu", never "bản tin" (a broadcast bulletin); hamlets are "ấp" or "thôn" as the inventory
 * names them. Every key here must be in `en.ts` with the same placeholders (i18n.test.ts).
 */
export const vi = {
  // Counts used inside other lines.
  'count.communes': '{n} đơn vị cấp xã',
  'count.devices': '{n} thiết bị',
  'count.files': '{n} tệp',
  'count.faultsActive': '{n} sự cố đang diễn ra',
  'count.problems': '{n} lỗi',

  // `loa up`: the start banner and the live status line.
  'up.banner': 'Loa đã chạy: {provinces} — {devices} trong danh mục',
  'up.label.broker': 'broker',
  'up.label.tls': 'tls',
  'up.label.websocket': 'websocket',
  'up.label.influxdb': 'influxdb',
  'up.label.metrics': 'chỉ số',
  'up.label.data': 'dữ liệu',
  'up.database': '(cơ sở dữ liệu "{database}")',
  'up.health': 'tình trạng {url}',
  'status.line':
    '{online} thiết bị trực tuyến · {rate} bản ghi/s · {written} điểm đã lưu · {rejected} bị từ chối · {buffered} đang chờ ghi',
  'status.spilling': 'InfluxDB chậm, đang ghi lại từ đĩa',

  // `loa simulate generate`.
  'generate.done': 'đã tạo {province}: {communes}, {devices} ({monitored} được giám sát)',
  'generate.inventory': 'danh mục',
  'generate.secrets': 'mật khẩu',
  'generate.secretsNote': '(mật khẩu gốc của các thiết bị ảo: giữ kín)',
  'generate.next': 'tiếp theo:',

  // `loa simulate run`: progress, summary, --verify.
  'simulate.starting': 'mô phỏng {devices} → {broker}',
  'simulate.for': 'trong {seconds} giây',
  'simulate.with': 'theo kịch bản {scenario}',
  'simulate.online': '{online}/{devices} thiết bị trực tuyến',
  'simulate.rate': '{rate} bản ghi/s',
  'simulate.sent': '{n} đã gửi',
  'simulate.acked': '{n} đã xác nhận',
  'simulate.queued': '{n} đang chờ gửi',
  'simulate.refused': '{n} bị từ chối',
  'simulate.failed': '{n} lỗi gửi',
  'simulate.dropped': '{n} bị bỏ',
  'simulate.stopped':
    'mô phỏng đã dừng: {sent} đã gửi, {acked} đã xác nhận, {refused} bị từ chối, {failed} lỗi gửi, {dropped} bị bỏ ({devices})',
  'simulate.expected':
    '  dự kiến trong InfluxDB: {total} điểm (heartbeat {heartbeat} · broadcast {broadcast} · event {event}), ngoài presence; {refused} sẽ bị ingest từ chối; {pending} còn chờ gửi',
  'simulate.faults': '  sự cố đã gây ra: {list}',
  'verify.start': 'đang kiểm tra với {url} (cơ sở dữ liệu "{database}")…',
  'verify.ok': 'đạt',
  'verify.failed': 'LỖI',
  'verify.passed': 'kiểm tra: đạt',
  'verify.failedSummary': 'kiểm tra: KHÔNG ĐẠT ({problems}: xem các dòng trên)',

  // `loa dashboards build`.
  'dashboards.wrote': 'đã ghi {files} cấu hình Grafana vào {dir} (ngôn ngữ: tiếng Việt):',
} as const satisfies Record<string, Message>;

export type MessageKey = keyof typeof vi;
