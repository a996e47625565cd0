import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PlaceNames } from './names.js';
import { provisioningTree, type ProvisioningOptions } from './provisioning.js';

/** Writes the provisioning tree under `outDir`; returns the files written, relative to it. */
export async function writeProvisioning(
  outDir: string,
  names?: PlaceNames,
  options: ProvisioningOptions = {},
): Promise<string[]> {
  const written: string[] = [];
  for (const [file, content] of provisioningTree(names, options)) {
    const target = path.join(outDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
    written.push(file);
  }
  return written;
}
