/**
 * A message is a string with `{name}` placeholders, or, where English inflects a count, a pair chosen
 * by the count `{n}` (Vietnamese nouns do not inflect: its catalogue uses plain strings).
 */
export type Message = string | { readonly one: string; readonly other: string };

/** The placeholders of a message, sorted: what the parity test compares between languages. */
export function placeholders(message: Message): string[] {
  const texts = typeof message === 'string' ? [message] : [message.one, message.other];
  const names = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(/\{(\w+)\}/g)) names.add(m[1] ?? '');
  return [...names].sort();
}
