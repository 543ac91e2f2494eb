// Test-only helper: builds expected bytes from hex written in the test, never from our encoder.
export function hex(text: string): Buffer {
  const clean = text.replace(/#[^\n]*/g, '').replace(/\s+/g, '');
  if (clean.length % 2 !== 0) throw new Error(`odd hex length in: ${text}`);
  return Buffer.from(clean, 'hex');
}

export function toHex(buf: Buffer): string {
  return (buf.toString('hex').match(/.{1,2}/g) ?? []).join(' ');
}
