// Waiting in tests for something that happens on its own (a broker, an agent, a server): the one place
// that polls, so every test waits the same way and fails with what it was waiting for.

/** Polls until `check` passes (returns without throwing) or the deadline; the last failure is rethrown. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}

/** Polls `condition` every 10 ms until it holds; after `timeoutMs` fails, naming `what` it waited for. */
export async function until(
  condition: () => boolean,
  timeoutMs = 10_000,
  what = 'the condition',
): Promise<void> {
  await eventually(
    () => {
      if (!condition()) throw new Error(`${what} not met within ${timeoutMs} ms`);
    },
    timeoutMs,
    10,
  );
}
