import packageJson from '../package.json' with { type: 'json' };

/**
 * Loa's version, from package.json: what `loa --version`, `loa agent --version` and `loa-agent --version`
 * print, what the Debian packages carry (scripts/package.ts) and, as `loa-agent/<version>`, the agent's
 * firmware in its `meta` message. The agent's single file has it built in (the bundler inlines the JSON).
 */
export const LOA_VERSION: string = packageJson.version;
