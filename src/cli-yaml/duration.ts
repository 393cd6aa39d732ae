/**
 * Durations the way azure-ai-ml writes them: `isodate.duration_isoformat(timedelta(...))` (azure-ai-ml
 * `_utils/utils.py` `to_iso_duration_format` for seconds, `to_iso_duration_format_ms` for milliseconds; isodate's
 * `%P` format): days, then `T` with hours, minutes and seconds, each only when not zero, seconds with their fraction
 * (trailing zeros dropped): 90 s → `PT1M30S`, 500 ms → `PT0.5S`, 90500 ms → `PT1M30.5S`, 86400 s → `P1D`.
 * Whole seconds are src/arm/duration.ts `isoDuration`, which writes the same form.
 */
import { isoDuration } from '../arm/duration.js'

/** Whole milliseconds (>= 0) as an ISO 8601 duration, as `to_iso_duration_format_ms` writes it. */
export function isoDurationMs(totalMs: number): string {
  if (!Number.isInteger(totalMs) || totalMs < 0) {
    throw new RangeError(`isoDurationMs: expected whole milliseconds >= 0, got ${totalMs}`)
  }
  const ms = totalMs % 1000
  const whole = (totalMs - ms) / 1000
  if (ms === 0) return isoDuration(whole)
  const days = Math.floor(whole / 86_400)
  const hours = Math.floor((whole % 86_400) / 3600)
  const minutes = Math.floor((whole % 3600) / 60)
  const seconds = `${whole % 60}.${String(ms).padStart(3, '0').replace(/0+$/, '')}`
  return `P${days ? `${days}D` : ''}T${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds}S`
}

export { isoDuration }
