/**
 * How often a run or a job is read while it goes on: 1 s right after a change of status (a short run is noticed
 * within about a second), growing by half each read up to 30 s, so a 6-hour run costs about 830 reads, far under
 * ARM's 12,000 reads an hour per subscription (DESIGN.md, reliability rules).
 */
export const FIRST_POLL_MS = 1_000
export const MAX_POLL_MS = 30_000
const POLL_GROWTH = 1.5

/**
 * The wait in ms before read `n` (0-based, counted from the last change of status): FIRST_POLL_MS growing by half
 * each time up to MAX_POLL_MS, times a jitter in [0.8, 1) from `random` in [0, 1) so runs started together drift apart.
 */
export function pollDelay(n: number, random: number): number {
  const base = Math.min(MAX_POLL_MS, FIRST_POLL_MS * POLL_GROWTH ** Math.min(n, 20))
  return Math.round(base * (0.8 + 0.2 * Math.min(Math.max(random, 0), 1)))
}
