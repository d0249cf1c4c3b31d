/**
 * Browsers always send Origin on a WebSocket handshake and CORS does not apply
 * to WebSockets, so this check is what stops another site's page from opening a
 * socket to us with the visitor's network position. Clients that are not
 * browsers send no Origin and are allowed: they could forge one anyway.
 */
export function isOriginAllowed(origin: string | undefined, host: string | undefined, allowed: readonly string[]): boolean {
  if (origin === undefined) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    // "null" (sandboxed frames, file://) and malformed origins are not ours.
    return false;
  }
}
