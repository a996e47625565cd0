// Headless Chromium as the tests and the demo script run it: Debian's `chromium` package (never a
// downloaded browser), a fresh profile each time, no network of its own, console messages on stderr.
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function chromiumArgs(profileDir: string, args: readonly string[], file: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profileDir}`,
    // Every console message as a `CONSOLE` line on stderr, for the tests to find.
    '--enable-logging=stderr',
    '--v=0',
    ...args,
    `file://${file}`,
  ];
}
