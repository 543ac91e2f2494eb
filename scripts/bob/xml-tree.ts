// A small XML reader for gwagent's generated files (no DTD, no CDATA, no namespaces): elements,
// attributes and text into a tree. Dev tooling for the .bob preview and the surface tests; the files'
// well-formedness itself is proven by xmllint.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name]!);
}

/** Parses a document; throws on anything it does not understand. */
export function parseXml(source: string): XmlElement {
  const text = source.replace(/<\?xml[^>]*\?>/, '').replace(/<!--[\s\S]*?-->/g, '');
  const tag = /<(\/?)([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"]*")*)\s*(\/?)>/g;
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let last = 0;
  for (let m = tag.exec(text); m; m = tag.exec(text)) {
    const top = stack[stack.length - 1]!;
    top.text += decode(text.slice(last, m.index));
    last = tag.lastIndex;
    const [, closing, name, attrText, selfClosing] = m;
    if (closing) {
      if (top.name !== name) throw new Error(`</${name}> closes <${top.name}>`);
      top.text = top.text.trim();
      stack.pop();
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText!.matchAll(/([\w.-]+)="([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
    const node: XmlElement = { name: name!, attrs, children: [], text: '' };
    top.children.push(node);
    if (!selfClosing) stack.push(node);
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1]!.name}> is not closed`);
  const [doc] = root.children;
  if (!doc || root.children.length !== 1) throw new Error('expected one root element');
  return doc;
}

/** The first child named `name`, if any. */
export function child(node: XmlElement, name: string): XmlElement | undefined {
  return node.children.find((c) => c.name === name);
}

/** The text of the child named `name` ('' when absent). */
export function childText(node: XmlElement, name: string): string {
  return child(node, name)?.text ?? '';
}

/** Macros given as child elements of a <macros> element. */
export function macrosOf(node: XmlElement): Record<string, string> {
  const m = child(node, 'macros');
  return Object.fromEntries((m?.children ?? []).map((c) => [c.name, c.text]));
}

/** Substitutes $(NAME) and ${NAME}; unknown macros are left as they are. */
export function expandMacros(text: string, macros: Readonly<Record<string, string>>): string {
  return text.replace(/\$[({]([A-Za-z0-9_]+)[)}]/g, (whole, name: string) => macros[name] ?? whole);
}
