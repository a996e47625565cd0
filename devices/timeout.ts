/**
 * Whether `promise` fulfils within `ms`: false on rejection or timeout. The timer is cleared either way,
 * so a thousand simulated agents stopping at once leave no timers behind.
 */
export async function fulfilsWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, ms, false);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
