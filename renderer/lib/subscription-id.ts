/** A random ID for a subscription this window opens (logs, stats): events carry it back. */
export function subscriptionId(kind: string): string {
  const bytes = new Uint8Array(9);
  crypto.getRandomValues(bytes);
  return `${kind}-${[...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('')}`;
}
