import { watch, type FSWatcher } from 'node:fs';
import type { Inventory } from '../protocol/index.js';
import type { Logger } from '../runtime/index.js';

export interface InventoryReloaderOptions {
  /** The inventory folder, watched for changes. */
  dir: string;
  /** Reads and validates the whole folder (loadInventory); throws on a broken file. */
  load: (dir: string) => Promise<Inventory>;
  /** Puts a new inventory in force (the broker's setInventory, the ingest's too when in process). */
  apply: (inventory: Inventory) => void;
  /** A reload was refused: the old inventory stays in force. */
  failed: (error: unknown) => void;
  logger: Logger;
  /** Editors write a file in several steps: changes within this long make one reload. */
  debounceMs?: number;
}

export interface InventoryReloader {
  /** Starts watching the folder. */
  start(): void;
  /** Reloads now (SIGHUP); resolves true when the new inventory was applied. */
  reload(): Promise<boolean>;
  stop(): void;
}

/**
 * Inventory reload on a file change or SIGHUP (issue #3, point 5). A broken folder is refused with
 * the loader's message (file, line, path, what is wrong) and the inventory in force stays; reloads
 * never overlap, and a change during a reload makes one more afterwards.
 */
export function createInventoryReloader(options: InventoryReloaderOptions): InventoryReloader {
  const { logger, debounceMs = 300 } = options;
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<boolean> | undefined;
  let again = false;

  async function reloadOnce(): Promise<boolean> {
    try {
      const inventory = await options.load(options.dir);
      options.apply(inventory);
      logger.info({ dir: options.dir, devices: inventory.deviceCount }, 'inventory reloaded');
      return true;
    } catch (error) {
      options.failed(error);
      logger.error(
        { dir: options.dir, err: error },
        'inventory reload refused; the previous inventory stays in force',
      );
      return false;
    }
  }

  function reload(): Promise<boolean> {
    if (running) {
      again = true;
      return running;
    }
    running = reloadOnce().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        void reload();
      }
    });
    return running;
  }

  return {
    start() {
      watcher = watch(options.dir, () => {
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), debounceMs);
      });
      watcher.on('error', (error) => {
        logger.error({ dir: options.dir, err: error }, 'cannot watch the inventory folder');
      });
    },
    reload,
    stop() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
