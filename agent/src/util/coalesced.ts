/**
 * Wraps `run` so calls never overlap: a call during a run asks for exactly one more run after
 * it, however many calls arrive. Every caller's promise settles once the runs it asked for
 * (and any folded into them) are done.
 */
export function coalesced(
  run: () => Promise<void>,
  keepGoing: () => boolean = () => true,
): () => Promise<void> {
  let pending: Promise<void> | undefined;
  let again = false;
  return () => {
    if (pending) {
      again = true;
      return pending;
    }
    pending = (async () => {
      do {
        again = false;
        await run();
      } while (again && keepGoing());
    })().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
