// The length rule every Channel Access name obeys, in one place for the client, the server and
// `config explain`: libca refuses names longer than 500 characters as "unreasonable" (ca-protocol.md,
// limits), so the gateway never searches for one. Pure.

/** Longest PV name libca (and so ca-gateway) accepts. */
export const MAX_PV_NAME_LENGTH = 500;

/** Why `name` can never be a CA channel name, or undefined when its length is acceptable. */
export function pvNameProblem(name: string): string | undefined {
  if (name.length > 0 && name.length <= MAX_PV_NAME_LENGTH) return undefined;
  return `bad PV name '${name.slice(0, 40)}${name.length > 40 ? '...' : ''}': 1..${MAX_PV_NAME_LENGTH} characters expected`;
}
