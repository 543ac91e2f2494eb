// Splitting a CA channel name into record, field and the `$` long-string modifier (ca-protocol.md
// §14.1). Channel filters (`{...}`, `[...]`) are not supported: such names do not resolve. Pure.

export interface PvNameParts {
  record: string;
  field: string;
  isLongString: boolean;
}

const FIELD_NAME = /^[A-Z][A-Z0-9]{0,3}$/;
/** Record names: printable, no blanks, quotes, `.`, `$`, `{`; at most 60 characters. */
const RECORD_NAME = /^[^\s"'.${}]{1,60}$/;

export function isValidRecordName(name: string): boolean {
  return (
    RECORD_NAME.test(name) && ![...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)
  );
}

/** `REC` and `REC.` mean VAL; `REC.FIELD$` is the long-string form. Undefined when malformed. */
export function parsePvName(name: string): PvNameParts | undefined {
  const dot = name.indexOf('.');
  const record = dot < 0 ? name : name.slice(0, dot);
  let field = dot < 0 ? '' : name.slice(dot + 1);
  const isLongString = field.endsWith('$');
  if (isLongString) field = field.slice(0, -1);
  if (field === '') field = 'VAL';
  if (!FIELD_NAME.test(field) || record === '') return undefined;
  return { record, field, isLongString };
}

/** dbgrep's pattern: `*` any run of characters, `?` one; everything else literal. */
export function globMatcher(pattern: string): (name: string) => boolean {
  const source = [...pattern]
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`, 's');
  return (name) => re.test(name);
}
