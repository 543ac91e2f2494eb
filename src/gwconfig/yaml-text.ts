// The one YAML writer of the engine renderers: sorted keys, no line folding, and YAML 1.1 quoting, so
// that strings such as "yes", "on" or "0644" stay strings for the YAML 1.1 readers that engines use
// (PyYAML in podman-compose, go-yaml in kubectl and incus). Pure.
import { stringify } from 'yaml';

export function yamlText(value: unknown): string {
  return stringify(value, { sortMapEntries: true, version: '1.1', lineWidth: 0 });
}

/** Several YAML documents in one file, in the given order. */
export function yamlDocuments(values: readonly unknown[]): string {
  return values.map(yamlText).join('---\n');
}

/** JSON with object keys sorted at every level: for JSON embedded in YAML (CNI configs, annotations). */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
