import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  BROKER_PRESENCE_TOPIC,
  brokerPresenceTopic,
  encodeBrokerPresence,
  Inventory,
  parseInventoryFile,
} from '../protocol/index.js';
import { testInventory, testProvinceYaml, topicOf } from '../test/fixtures/province.js';
import { createPipeline, type IncomingMessage, type Pipeline } from './pipeline.js';

const NOW = Date.UTC(2026, 10, 25, 5, 0, 0);
const DAY = 86_400_000;
let inventory: Inventory;
let pipeline: Pipeline;

beforeAll(async () => {
  inventory = await testInventory();
  pipeline = createPipeline({ inventory, retentionMs: 30 * DAY, now: () => NOW });
});

function msg(topic: string, payload: unknown, seq = 7): IncomingMessage {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return { topic, payload: Buffer.from(text), receivedAt: NOW + 5, seq };
}

const ns = (ms: number) => `${ms}000000`;

describe('valid messages become one line of the storage schema', () => {
  it('heartbeat: tags from the inventory, typed fields, device time', () => {
    const r = pipeline(
      msg(topicOf('vinh-an-c01', 'heartbeat'), {
        v: 1,
        ts: NOW - 1000,
        seq: 42,
        uptime_s: 3600,
        power: 'battery',
        amp: 'on',
        playing: true,
        volume_pct: 80,
        mains_v: 0,
        battery_v: 12.4,
        relay: 'ok',
        rssi_dbm: -71,
        temp_c: 41.5,
        future_field: 'ignored',
      }),
    );
    expect(r).toEqual({
      kind: 'point',
      channel: 'heartbeat',
      line:
        'heartbeat,commune=vinh-an,device=vinh-an-c01,hamlet=an-hoa,kind=cluster,link=4g,province=an-giang ' +
        'amp="on",power="battery",seq=42i,uptime_s=3600,playing=true,volume_pct=80,mains_v=0,battery_v=12.4,' +
        `relay="ok",rssi_dbm=-71,temp_c=41.5 ${ns(NOW - 1000)}`,
      // For observers (the coverage engine): the inventory device and the decoded message, unknown
      // fields dropped.
      device: inventory.device('vinh-an-c01'),
      message: {
        v: 1,
        ts: NOW - 1000,
        seq: 42,
        uptime_s: 3600,
        power: 'battery',
        amp: 'on',
        playing: true,
        volume_pct: 80,
        mains_v: 0,
        battery_v: 12.4,
        relay: 'ok',
        rssi_dbm: -71,
        temp_c: 41.5,
      },
    });
  });

  it('heartbeat of a station has no hamlet tag', () => {
    const r = pipeline(
      msg(topicOf('vinh-an-station', 'heartbeat'), {
        v: 1,
        ts: NOW,
        seq: 1,
        uptime_s: 5,
        power: 'mains',
        amp: 'off',
      }),
    );
    expect(r.kind === 'point' && r.line).toBe(
      'heartbeat,commune=vinh-an,device=vinh-an-station,kind=station,link=ethernet,province=an-giang ' +
        `amp="off",power="mains",seq=1i,uptime_s=5 ${ns(NOW)}`,
    );
  });

  it('state: device time when given, receipt time for a Will', () => {
    const birth = pipeline(
      msg(topicOf('vinh-an-c01', 'state'), { v: 1, ts: NOW - 10, online: true, session: 3, reason: 'boot' }),
    );
    expect(birth.kind === 'point' && birth.line).toBe(
      `presence,commune=vinh-an,device=vinh-an-c01,province=an-giang online=true,reason="boot",session=3i ${ns(NOW - 10)}`,
    );
    const will = pipeline(
      msg(topicOf('vinh-an-c01', 'state'), { v: 1, online: false, session: 3, reason: 'lost' }),
    );
    expect(will.kind === 'point' && will.line).toBe(
      `presence,commune=vinh-an,device=vinh-an-c01,province=an-giang online=false,reason="lost",session=3i ${NOW + 5}000007`,
    );
  });

  it('state: two Wills received in one millisecond are two points (issue #14, point 5)', () => {
    const lost = { v: 1, online: false, session: 3, reason: 'lost' };
    const times = [8, 9].map((seq) => {
      const r = pipeline(msg(topicOf('vinh-an-c01', 'state'), lost, seq));
      return r.kind === 'point' ? r.line.split(' ').at(-1) : undefined;
    });
    expect(times).toEqual([`${NOW + 5}000008`, `${NOW + 5}000009`]);
  });

  it('broadcast: time is the start, ids and programme names are fields, never tags', () => {
    const r = pipeline(
      msg(topicOf('vinh-an-c02', 'broadcast'), {
        v: 1,
        id: 'b-1',
        start: NOW - 3_600_000,
        end: NOW - 1_800_000,
        priority: 'emergency',
        source: 'provincial',
        status: 'completed',
        program: 'Tin bão số 3, "khẩn"',
        bulletin: 'ag-2026-11-25-01',
      }),
    );
    expect(r.kind === 'point' && r.line).toBe(
      'broadcast,commune=vinh-an,device=vinh-an-c02,priority=emergency,province=an-giang,source=provincial,status=completed ' +
        `duration_s=1800,end=${NOW - 1_800_000}i,id="b-1",bulletin="ag-2026-11-25-01",program="Tin bão số 3, \\"khẩn\\"" ${ns(NOW - 3_600_000)}`,
    );
  });

  it('event and meta', () => {
    const e = pipeline(
      msg(topicOf('tan-lap-c01', 'event'), { v: 1, ts: NOW, type: 'relay_tripped', detail: '262 V' }),
    );
    expect(e.kind === 'point' && e.line).toBe(
      `event,commune=tan-lap,device=tan-lap-c01,province=an-giang,type=relay_tripped detail="262 V",count=1i ${ns(NOW)}`,
    );
    const m = pipeline(
      msg(topicOf('tan-lap-c01', 'meta'), {
        v: 1,
        ts: NOW,
        kind: 'cluster',
        firmware: '2.1.0',
        hamlets: ['tan-hoa'],
        link: '4g',
        speakers: 4,
        heartbeat_s: 60,
      }),
    );
    expect(m.kind === 'point' && m.line).toBe(
      'device_meta,commune=tan-lap,device=tan-lap-c01,kind=cluster,province=an-giang ' +
        `firmware="2.1.0",hamlets="tan-hoa",heartbeat_s=60i,link="4g",speakers=4i ${ns(NOW)}`,
    );
  });
});

describe('every refusal has its reason and becomes a reject point', () => {
  const hb = { v: 1, ts: NOW, seq: 1, uptime_s: 1, power: 'mains', amp: 'on' };
  const cases: [string, IncomingMessage, string][] = [
    ['bad_topic', msg('loa/v1/an-giang/vinh-an/heartbeat', hb), 'bad_topic'],
    ['bad_topic (upper case)', msg('loa/v1/An-Giang/vinh-an/vinh-an-c01/heartbeat', hb), 'bad_topic'],
    ['unknown_channel', msg(topicOf('vinh-an-c01', 'telemetry'), hb), 'unknown_channel'],
    ['unknown_device', msg('loa/v1/an-giang/vinh-an/ghost-01/heartbeat', hb), 'unknown_device'],
    ['wrong_place', msg('loa/v1/an-giang/tan-lap/vinh-an-c01/heartbeat', hb), 'wrong_place'],
    [
      'payload_too_large',
      msg(topicOf('vinh-an-c01', 'event'), { ...hb, detail: 'x'.repeat(5000) }),
      'payload_too_large',
    ],
    ['invalid_json', msg(topicOf('vinh-an-c01', 'heartbeat'), '{"v":1,'), 'invalid_json'],
    ['schema', msg(topicOf('vinh-an-c01', 'heartbeat'), { ...hb, power: 'nuclear' }), 'schema'],
    ['ts_future', msg(topicOf('vinh-an-c01', 'heartbeat'), { ...hb, ts: NOW + 301_000 }), 'ts_future'],
    ['ts_too_old', msg(topicOf('vinh-an-c01', 'heartbeat'), { ...hb, ts: NOW - 31 * DAY }), 'ts_too_old'],
  ];
  it.each(cases)('%s', (_name, message, reason) => {
    const r = pipeline(message);
    expect(r.kind).toBe('reject');
    if (r.kind !== 'reject') return;
    expect(r.reason).toBe(reason);
    expect(r.line.startsWith(`reject,reason=${reason} detail="`)).toBe(true);
    // Receipt time with the log sequence in the sub-millisecond digits.
    expect(r.line.endsWith(` ${NOW + 5}000007`)).toBe(true);
  });

  it('the schema detail names the field', () => {
    const r = pipeline(msg(topicOf('vinh-an-c01', 'heartbeat'), { ...hb, seq: 'x' }));
    expect(r.kind === 'reject' && r.detail).toMatch(/^seq: /);
  });

  it('a topic with a quote or newline cannot break the line', () => {
    const r = pipeline(msg('loa/v1/a"b\nc/x/y/heartbeat', hb));
    // The newline stays inside the quoted field, where InfluxDB keeps it as part of the value.
    expect(r.kind === 'reject' && r.line).toContain('topic="loa/v1/a\\"b\nc/x/y/heartbeat" ');
  });
});

it('platform output and commands are ignored, not rejected', () => {
  expect(pipeline(msg('loa/v1/an-giang/vinh-an/_platform/alert', {})).kind).toBe('ignored');
  expect(pipeline(msg(topicOf('vinh-an-c01', 'cmd/volume'), {})).kind).toBe('ignored');
});

describe('the topic cache', () => {
  const hb = { v: 1, ts: NOW, seq: 1, uptime_s: 1, power: 'mains', amp: 'on' };

  it('gives the same result for a topic the second time, point or reject', () => {
    const fresh = createPipeline({ inventory, retentionMs: 30 * DAY, now: () => NOW });
    const topic = topicOf('vinh-an-c02', 'heartbeat');
    for (const payload of [hb, { ...hb, amp: 'loud' }, { ...hb, ts: NOW + DAY }, hb]) {
      const first = fresh(msg(topic, payload));
      expect(fresh(msg(topic, payload))).toEqual(first);
      expect(first).toEqual(pipeline(msg(topic, payload)));
    }
    const bad = fresh(msg(topic, { ...hb, amp: 'loud' }));
    expect(bad).toMatchObject({ kind: 'reject', reason: 'schema', device: 'vinh-an-c02' });
  });

  it('does not cache a topic whose device is unknown, nor one in the wrong place', () => {
    const fresh = createPipeline({ inventory, retentionMs: 30 * DAY, now: () => NOW });
    const lookups = vi.spyOn(inventory, 'device');
    try {
      const ghost = msg('loa/v1/an-giang/vinh-an/ghost-01/heartbeat', hb);
      expect(fresh(ghost)).toMatchObject({ kind: 'reject', reason: 'unknown_device' });
      expect(fresh(ghost)).toEqual(fresh(ghost));
      expect(lookups).toHaveBeenCalledTimes(3);
      const misplaced = msg('loa/v1/an-giang/tan-lap/vinh-an-c01/heartbeat', hb);
      expect(fresh(misplaced)).toMatchObject({ kind: 'reject', reason: 'wrong_place' });
      expect(fresh(misplaced)).toMatchObject({ kind: 'reject', reason: 'wrong_place' });
      // The device's own topic still goes through, and keeps going through.
      expect(fresh(msg(topicOf('vinh-an-c01', 'heartbeat'), hb)).kind).toBe('point');
      expect(fresh(msg(topicOf('vinh-an-c01', 'heartbeat'), hb)).kind).toBe('point');
    } finally {
      lookups.mockRestore();
    }
  });

  it('belongs to one pipeline: a new pipeline on a changed inventory follows the change', async () => {
    const before = createPipeline({ inventory, retentionMs: 30 * DAY, now: () => NOW });
    const c01 = msg(topicOf('vinh-an-c01', 'heartbeat'), hb);
    const c02 = msg(topicOf('vinh-an-c02', 'heartbeat'), hb);
    expect(before(c01)).toMatchObject({
      kind: 'point',
      line: expect.stringContaining(',link=4g,') as unknown,
    });
    expect(before(c02).kind).toBe('point');

    // c01 moves to Wi-Fi, c02 leaves the inventory.
    const yaml = (await testProvinceYaml())
      .replace(/link: 4g, lat: 10\.38/, 'link: wifi, lat: 10.38')
      .replace(/ {6}- \{ id: vinh-an-c02, [^\n]*\n/, '');
    const changed = Inventory.fromFiles([
      { file: 'an-giang.yaml', content: parseInventoryFile(yaml, 'an-giang.yaml') },
    ]);
    expect(changed.device('vinh-an-c02')).toBeUndefined();
    const after = createPipeline({ inventory: changed, retentionMs: 30 * DAY, now: () => NOW });
    expect(after(c01)).toMatchObject({
      kind: 'point',
      line: expect.stringContaining(',link=wifi,') as unknown,
    });
    expect(after(c02)).toMatchObject({ kind: 'reject', reason: 'unknown_device' });
    // The old pipeline keeps its own inventory.
    expect(before(c02).kind).toBe('point');
  });
});

describe('broker presence records', () => {
  const address = { province: 'an-giang', commune: 'vinh-an', device: 'vinh-an-c01' };
  const event = { address, online: false, reason: 'takeover', at: NOW - 3, seq: 42 };
  const line = `broker_presence,commune=vinh-an,device=vinh-an-c01,province=an-giang,reason=takeover online=false ${NOW - 3}000042`;

  it('are the same point by either road, whatever the receipt time and log sequence (a redelivery overwrites)', () => {
    const payload = encodeBrokerPresence(event);
    const inProcess = pipeline({ topic: BROKER_PRESENCE_TOPIC, payload, receivedAt: NOW - 3, seq: 1 });
    const overMqtt = pipeline({ topic: brokerPresenceTopic(address), payload, receivedAt: NOW, seq: 8 });
    const redelivered = pipeline({
      topic: brokerPresenceTopic(address),
      payload,
      receivedAt: NOW + 9,
      seq: 9,
    });
    expect(brokerPresenceTopic(address)).toBe('loa/v1/an-giang/vinh-an/_platform/broker-presence');
    for (const r of [inProcess, overMqtt, redelivered]) expect(r).toEqual({ kind: 'broker_presence', line });
  });

  it('refuses a record that fails its schema, as an internal error kept with the record', () => {
    for (const bad of [
      { ...event, reason: 'Drop Table' },
      { ...event, address: { ...address, device: '_platform' } },
      { ...event, at: -1 },
    ]) {
      const r = pipeline({
        topic: brokerPresenceTopic(address),
        payload: encodeBrokerPresence(bad),
        receivedAt: NOW,
        seq: 3,
      });
      expect(r).toMatchObject({ kind: 'reject', reason: 'internal_error' });
    }
    expect(pipeline(msg(brokerPresenceTopic(address), 'not json'))).toMatchObject({ kind: 'reject' });
  });

  it('leave the other platform topics ignored', () => {
    expect(pipeline(msg('loa/v1/an-giang/vinh-an/_platform/alert', { id: 'x' }))).toEqual({
      kind: 'ignored',
    });
  });
});
