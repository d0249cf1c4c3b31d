/** Room tokens (JWTs from an embedding product) arrive in the link as `?token=`. */
const TOKEN_PARAM = 'token';

/**
 * Takes the token out of the address bar (so "Copy invite link" never shares
 * it, and it does not sit in the history) and returns it.
 */
export function takeTokenFromUrl(): string | undefined {
  const url = new URL(window.location.href);
  const token = url.searchParams.get(TOKEN_PARAM) ?? undefined;
  if (token === undefined) return undefined;
  url.searchParams.delete(TOKEN_PARAM);
  window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
  return token;
}

/**
 * The name a token carries, to show before joining. Read without checking the
 * signature: only the server can, and it decides; this is for display only.
 */
export function tokenDisplayName(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = Uint8Array.from(json, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    const name = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>)['name'] : undefined;
    return typeof name === 'string' ? name.trim() || undefined : undefined;
  } catch {
    // Not a readable token: the server will say so when we join.
    return undefined;
  }
}
