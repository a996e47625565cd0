// The demo report's picture in docs/ is rendered from the HTML Loa writes today: when the report's
// HTML changes, run `node --import tsx scripts/render-report-demo.ts` again (it needs Chromium).
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { demoReportHtml } from './fixtures/report.js';

it('docs/img/bao-cao-mau.png was rendered from the current report HTML', async () => {
  const recorded = (
    await readFile(new URL('../docs/img/bao-cao-mau.html.sha256', import.meta.url), 'utf8')
  ).trim();
  const current = createHash('sha256').update(demoReportHtml()).digest('hex');
  expect(current, 'run: node --import tsx scripts/render-report-demo.ts').toBe(recorded);
});
