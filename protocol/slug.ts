/**
 * Identifiers of provinces, communes, hamlets and devices: lowercase ASCII slugs (docs/protocol.md).
 * A leading `_` is impossible, which keeps `_platform` free for the platform's own output.
 */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function isSlug(value: string): boolean {
  return SLUG_PATTERN.test(value);
}

/**
 * Folds a Vietnamese name into a slug: "Xã Vĩnh An" → "xa-vinh-an", "Ấp Đông Hòa" → "ap-dong-hoa".
 * NFD splits the tone and vowel marks off their letters; đ/Đ is a letter of its own and has no
 * decomposition, so it is mapped by hand, with its look-alike Ð/ð (U+00D0/U+00F0) that legacy encodings
 * and converted text often put in its place.
 */
export function foldToSlug(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐðÐ]/g, 'd')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/, '');
}
