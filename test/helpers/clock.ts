/** A clock tests step by hand, so retries and windows are tested without sleeping. */
export function steppedClock(start = Date.now()) {
  let t = start;
  const now = () => t;
  return { now, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}
