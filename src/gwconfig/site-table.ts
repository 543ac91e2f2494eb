// `site table`: the containers, their interfaces and gateways as a Markdown table and as Confluence
// wiki markup (what gw_manage's print_wiki_table produced). Pure.
import { parseCidr } from '../net.js';
import type { Site } from './site-model.js';
import { networkName } from './site-render.js';

const HEADER = ['Container', 'Enabled', 'Label', 'Interfaces', 'Gateway', 'Direction', 'Function'];

function rows(site: Site): string[][] {
  const out: string[][] = [];
  for (const c of site.containers) {
    const interfaces = c.interfaces
      .map(
        (i) =>
          `${i.name} ${i.vlan} (${networkName(site, i.vlan)}) ${parseCidr(i.address)?.address ?? i.address}`,
      )
      .join(', ');
    const gateways = c.gateways.length > 0 ? c.gateways : [undefined];
    for (const g of gateways) {
      out.push([
        c.hostname,
        c.enabled ? 'yes' : 'no',
        c.label,
        interfaces,
        g?.name ?? '-',
        g?.direction ?? '-',
        g?.label ?? '',
      ]);
    }
  }
  return out;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function markdownTable(site: Site): string {
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`];
  for (const row of rows(site)) lines.push(`| ${row.map(cell).join(' | ')} |`);
  return lines.join('\n') + '\n';
}

export function confluenceTable(site: Site): string {
  const lines = [`||${HEADER.join('||')}||`];
  for (const row of rows(site)) lines.push(`|${row.map((t) => cell(t === '' ? ' ' : t)).join('|')}|`);
  return lines.join('\n') + '\n';
}
