/**
 * ISO 8601 durations, the form ARM takes for times (`nodeIdleTimeBeforeScaleDown`, a job's `limits.timeout`):
 * whole seconds ↔ `P{d}DT{h}H{m}M{s}S`.
 */

/** Whole seconds as an ISO 8601 duration: 1800 → PT30M, 90 → PT1M30S, 0 → PT0S, 90000 → P1DT1H. */
export function isoDuration(totalSeconds: number): string {
  if (!Number.isInteger(totalSeconds) || totalSeconds < 0) {
    throw new RangeError(`isoDuration: expected whole seconds >= 0, got ${totalSeconds}`)
  }
  const days = Math.floor(totalSeconds / 86_400)
  const hours = Math.floor((totalSeconds % 86_400) / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`
  if (days === 0) return `PT${time || '0S'}`
  return `P${days}D${time ? `T${time}` : ''}`
}

/** An ISO 8601 duration (days and time parts) in seconds; undefined when it is not one. `PT30M` → 1800. */
export function parseIsoDuration(text: string): number | undefined {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(
    text.trim()
  )
  if (!m || text.trim().toUpperCase() === 'P' || /T$/i.test(text.trim())) return undefined
  const [, d, h, min, s] = m.map(v => (v === undefined ? 0 : Number(v)))
  return d * 86_400 + h * 3600 + min * 60 + s
}
