import { describe, expect, it } from 'vitest';
import { foldToSlug, isSlug, SLUG_PATTERN } from './slug.js';

describe('isSlug', () => {
  it.each([
    'a',
    '0',
    'an-giang',
    'vinh-an-c01',
    'a-b',
    'a--b',
    '123',
    'x'.repeat(63),
    'x'.repeat(64),
    `a${'-'.repeat(62)}b`,
  ])('accepts %j', (value) => {
    expect(isSlug(value)).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['65 characters', 'x'.repeat(65)],
    ['a leading dash', '-vinh-an'],
    ['a trailing dash', 'vinh-an-'],
    ['a lone dash', '-'],
    ['uppercase', 'Vinh-An'],
    ['Vietnamese letters', 'vĩnh-an'],
    ['đ', 'đong-hoa'],
    ['an underscore', 'vinh_an'],
    ['the platform pseudo-device', '_platform'],
    ['a space', 'vinh an'],
    ['a dot', 'vinh.an'],
    ['a slash', 'vinh/an'],
    ['an MQTT wildcard +', '+'],
    ['an MQTT wildcard #', '#'],
    ['a trailing newline', 'vinh-an\n'],
  ])('refuses %s', (_what, value) => {
    expect(isSlug(value)).toBe(false);
  });

  it('is the pattern of docs/protocol.md', () => {
    expect(SLUG_PATTERN.source).toBe('^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$');
  });
});

describe('foldToSlug', () => {
  it.each([
    ['Xã Vĩnh An', 'xa-vinh-an'],
    ['Ấp Đông Hòa', 'ap-dong-hoa'],
    ['Thị trấn Núi Sập', 'thi-tran-nui-sap'],
    ['An Giang', 'an-giang'],
    ['Phường Đồng Xoài', 'phuong-dong-xoai'],
    ['Xã Mỹ Hội Đông', 'xa-my-hoi-dong'],
    ['Ấp Phước Thạnh', 'ap-phuoc-thanh'],
    ['Thành phố Hồ Chí Minh', 'thanh-pho-ho-chi-minh'],
    ['Xã Ơn Ưng Ỷ Ỹ', 'xa-on-ung-y-y'],
    ['XÃ VĨNH AN', 'xa-vinh-an'],
    ['Ấp 3', 'ap-3'],
    ['  Ấp  Tân Lập / Khóm 2 ', 'ap-tan-lap-khom-2'],
    ['Ấp Tân-Lập', 'ap-tan-lap'],
    ['Thôn Đăk Rơ Wa', 'thon-dak-ro-wa'],
  ])('%j → %j', (name, slug) => {
    expect(foldToSlug(name)).toBe(slug);
    expect(isSlug(slug)).toBe(true);
  });

  it('gives the same slug for precomposed and decomposed input', () => {
    const name = 'Ấp Đông Hòa';
    expect(foldToSlug(name.normalize('NFD'))).toBe(foldToSlug(name.normalize('NFC')));
  });

  it('folds the look-alike Ð (U+00D0) of legacy encodings like Đ', () => {
    expect(foldToSlug('\u00d0ồng Tháp')).toBe('dong-thap');
    expect(foldToSlug('\u00f0ồng')).toBe('dong');
  });

  it('cuts a long name to a valid slug of at most 64 characters, without a trailing dash', () => {
    const slug = foldToSlug(`${'Xã '.repeat(20)}Vĩnh An`);
    expect(slug).toBe(`${'xa-'.repeat(20)}vinh`);
    expect(isSlug(slug)).toBe(true);
    expect(foldToSlug('a'.repeat(100))).toBe('a'.repeat(64));
    // The 64th character is the dash before "b": it is dropped, not kept at the end.
    expect(foldToSlug(`${'a'.repeat(63)} b`)).toBe('a'.repeat(63));
  });

  it('returns an empty string when nothing foldable is left (the caller must name it)', () => {
    expect(foldToSlug('')).toBe('');
    expect(foldToSlug(' — / ! ')).toBe('');
    expect(foldToSlug('北京')).toBe('');
  });
});
