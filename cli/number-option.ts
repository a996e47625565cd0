/** Commander's parser for numeric options: a clear error instead of NaN. */
export function num(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`"${value}" is not a number`);
  return n;
}
