// Parser for os-release(5) (/etc/os-release, /usr/lib/os-release): distribution name and version.
// Pure: text in, values out. Values may be quoted with " or ' and use \-escapes, as the format allows.
import { fail, ok, type Reading } from '../reading.js';

/** Parses KEY=value lines; comments and malformed lines are skipped, as os-release(5) asks. */
export function parseOsReleaseFields(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(raw.trim());
    if (!m?.[1] || m[2] === undefined) continue;
    let value = m[2];
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\(["\\$`])/g, '$1');
    }
    fields.set(m[1], value);
  }
  return fields;
}

/** Distribution and version for SYS_RELEASE: PRETTY_NAME, else NAME + VERSION (or VERSION_ID). */
export function parseOsRelease(text: string): Reading<string> {
  const f = parseOsReleaseFields(text);
  const pretty = f.get('PRETTY_NAME');
  if (pretty) return ok(pretty);
  const name = f.get('NAME');
  const version = f.get('VERSION') ?? f.get('VERSION_ID');
  if (!name) return fail('neither PRETTY_NAME nor NAME');
  return ok(version ? `${name} ${version}` : name);
}
