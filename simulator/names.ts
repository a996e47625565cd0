/**
 * Parts of plausible Vietnamese place names. Southern communes and hamlets are mostly two auspicious
 * Sino-Vietnamese syllables ("Vĩnh An", "Tân Lập", "Hòa Bình"); many southern communes simply number their
 * hamlets ("Ấp 1", "Ấp 2").
 */
export const FIRST_SYLLABLES = [
  'An',
  'Bình',
  'Châu',
  'Định',
  'Đông',
  'Hòa',
  'Hiệp',
  'Hưng',
  'Khánh',
  'Long',
  'Lộc',
  'Mỹ',
  'Nhơn',
  'Phú',
  'Phước',
  'Tân',
  'Tây',
  'Thạnh',
  'Thới',
  'Thuận',
  'Trung',
  'Vĩnh',
  'Xuân',
  'Kiến',
] as const;

export const SECOND_SYLLABLES = [
  'An',
  'Bình',
  'Điền',
  'Đức',
  'Hậu',
  'Hòa',
  'Hội',
  'Hưng',
  'Lập',
  'Lộc',
  'Lợi',
  'Mỹ',
  'Nghĩa',
  'Phát',
  'Phú',
  'Phước',
  'Quới',
  'Thành',
  'Thạnh',
  'Thuận',
  'Tiến',
  'Trung',
  'Xuyên',
  'Thắng',
] as const;

/** Every two-syllable name from the lists above, except doubled syllables such as "An An". */
export const TWO_SYLLABLE_NAMES: readonly string[] = FIRST_SYLLABLES.flatMap((a) =>
  SECOND_SYLLABLES.filter((b) => b !== a).map((b) => `${a} ${b}`),
);

export const COMMUNE_PREFIX = 'Xã';
/** "Ấp" in the Mekong delta and the south, "Thôn" in the north and centre. */
export const HAMLET_PREFIXES = ['Ấp', 'Thôn'] as const;

/**
 * What a unit's hamlets are called where it says so itself: "Ấp" in a southern xã, "Thôn" in the north,
 * "Khóm" in the phường of the old An Giang and "Khu phố" in those of the old Kiên Giang.
 */
export const UNIT_HAMLET_PREFIXES = ['Ấp', 'Thôn', 'Khóm', 'Khu phố'] as const;

/** The unit word before a commune-level name, left out of its slug ("Phường Long Xuyên" → long-xuyen). */
export const UNIT_NAME_PREFIX = /^(Xã|Phường|Đặc khu|Thị trấn) /;
