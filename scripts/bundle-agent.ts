// Builds dist/loa-agent.mjs: `loa-agent` (cli/agent-main.ts) with everything it imports, zod, mqtt.js,
// pino and yaml included, in one minified file. Measured on the agent (docs/agent.md §8): the same code
// loaded as ~300 modules holds about 4 MB more memory, on a box held to 60 MB. The file starts with the
// first line of bin/loa-agent.js, Node's settings for the box, so it also runs alone where only Node.js
// is installed. `node --import tsx scripts/bundle-agent.ts [outfile]`; `npm run build` runs it.
import { readFileSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';

const root = new URL('..', import.meta.url);

/**
 * zod imports the messages of its ~40 languages to offer them as `z.locales`; Loa's messages are
 * English (zod's default, `en`), so the bundle carries that one only: a quarter less code to hold.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(on) {
    on.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${sep}node_modules${sep}zod${sep}`)
        ? { path: 'zod-locales', namespace: 'loa' }
        : undefined,
    );
    on.onLoad({ filter: /^zod-locales$/, namespace: 'loa' }, () => ({
      contents: "export { default as en } from 'zod/v4/locales/en.js';",
      resolveDir: fileURLToPath(root),
    }));
  },
};

/** Writes the bundle (and its source map, for `node --enable-source-maps`) to `outfile`. */
export async function bundleAgent(outfile: string): Promise<void> {
  const [shebang = ''] = readFileSync(new URL('bin/loa-agent.js', root), 'utf8').split('\n');
  await build({
    entryPoints: [fileURLToPath(new URL('cli/agent-main.ts', root))],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Debian 12's own Node.js is 18.20: a stock box runs the agent without a third-party repository
    // (test/agent-node18.integration.test.ts runs this file on it).
    target: 'node18',
    minify: true,
    sourcemap: 'linked',
    // The CommonJS packages inside (mqtt.js, pino, yaml) call require() for Node's own modules.
    banner: {
      js: `${shebang}\nimport { createRequire as loaCreateRequire } from 'node:module';\nconst require = loaCreateRequire(import.meta.url);`,
    },
    plugins: [zodEnglishOnly],
    logLevel: 'warning',
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await bundleAgent(process.argv[2] ?? fileURLToPath(new URL('dist/loa-agent.mjs', root)));
}
