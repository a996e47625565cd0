// Renders the demo province's printable report (docs/img/bao-cao-mau.png) in headless Chromium, and
// records the hash of the HTML it was rendered from (PNG bytes vary between runs; the HTML does not):
// test/report-demo.test.ts fails when the report's HTML changes and this was not run again.
//   node --import tsx scripts/render-report-demo.ts
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM, chromiumArgs } from '../test/chromium.js';
import { demoReportHtml } from '../test/fixtures/report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const html = demoReportHtml();
const dir = mkdtempSync(join(tmpdir(), 'loa-report-demo-'));
try {
  const file = join(dir, 'bao-cao.html');
  writeFileSync(file, html);
  execFileSync(
    CHROMIUM,
    chromiumArgs(
      join(dir, 'profile'),
      [
        '--hide-scrollbars',
        '--window-size=1000,1500',
        `--screenshot=${join(root, 'docs/img/bao-cao-mau.png')}`,
      ],
      file,
    ),
    { stdio: 'ignore', timeout: 60_000 },
  );
  writeFileSync(
    join(root, 'docs/img/bao-cao-mau.html.sha256'),
    `${createHash('sha256').update(html).digest('hex')}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
