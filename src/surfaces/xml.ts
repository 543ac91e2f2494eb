// A minimal XML text builder for the surface renderers: elements, attributes, escaped text, two-space
// indentation, in the order given (so output is byte-stable for golden files). Pure: strings in, string out.

/** One XML element: name, attributes in order, and either text or child elements. */
export interface XmlNode {
  name: string;
  attrs?: readonly (readonly [string, string])[];
  text?: string;
  children?: readonly XmlNode[];
}

/** Escapes text content and attribute values (both quote kinds, so any attribute is safe). */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Shorthand: an element with text. */
export function el(name: string, text: string | number | boolean): XmlNode {
  return { name, text: String(text) };
}

/** Shorthand: an element with children (undefined entries are skipped, for optional properties). */
export function parent(
  name: string,
  children: readonly (XmlNode | undefined)[],
  attrs?: readonly (readonly [string, string])[],
): XmlNode {
  const kids = children.filter((c): c is XmlNode => c !== undefined);
  return attrs ? { name, attrs, children: kids } : { name, children: kids };
}

function renderNode(node: XmlNode, depth: number, out: string[]): void {
  const pad = '  '.repeat(depth);
  const attrs = (node.attrs ?? []).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
  if (node.children && node.children.length > 0) {
    out.push(`${pad}<${node.name}${attrs}>`);
    for (const child of node.children) renderNode(child, depth + 1, out);
    out.push(`${pad}</${node.name}>`);
  } else if (node.text !== undefined && node.text !== '') {
    out.push(`${pad}<${node.name}${attrs}>${escapeXml(node.text)}</${node.name}>`);
  } else {
    out.push(`${pad}<${node.name}${attrs}/>`);
  }
}

/** A whole document: declaration, optional comment lines, the root element, final newline. */
export function renderXml(root: XmlNode, comment?: readonly string[]): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  // "--" is not allowed inside an XML comment.
  for (const line of comment ?? []) out.push(`<!-- ${line.replace(/--/g, '- -')} -->`);
  renderNode(root, 0, out);
  return out.join('\n') + '\n';
}
