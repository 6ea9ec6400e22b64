// Stored credentials belong to the destination they were entered for. When an edit moves a
// connection to another origin (scheme, host or port), sending the stored API key values or
// signing with the stored HMAC secrets would hand them to whoever runs the new URL, so they
// are never carried over: key values must be entered again and a new HMAC secret is generated.

export function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Whether moving from `before` to `after` changes the origin (an unparsable URL counts as a change). */
export function originChanges(before: string, after: string | undefined): boolean {
  if (after === undefined) return false;
  const a = originOf(before);
  return a === null || a !== originOf(after);
}

export function newOriginMessage(before: string, after: string): string {
  return `The destination moves from ${originOf(before) ?? before} to ${originOf(after) ?? after}; stored API key values are never sent to a new origin. Enter every value again.`;
}
