/** `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hex, either case: the form Azure shows tenant, client and subscription ids in. */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The shape every GUID error message quotes. */
export const GUID_FORM = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'

export function isGuid(value: string): boolean {
  return GUID.test(value)
}
