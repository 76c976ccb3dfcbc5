/**
 * Zabbix's XML export format: one element per field, and a list as a plural element whose children
 * all take the singular name ("items" holds "item"s, "preprocessing" holds "step"s), as the
 * importer's schema names them (frontend include/classes/import/validators/C60XmlValidator.php).
 */

export type XmlValue = string | XmlObject | readonly XmlValue[];
export interface XmlObject {
  readonly [tag: string]: XmlValue | undefined;
}

/** The element name of a list's members, by the list's element name. */
const MEMBER: Readonly<Record<string, string>> = {
  groups: 'group',
  templates: 'template',
  items: 'item',
  triggers: 'trigger',
  tags: 'tag',
  macros: 'macro',
  valuemaps: 'valuemap',
  mappings: 'mapping',
  preprocessing: 'step',
  parameters: 'parameter',
  discovery_rules: 'discovery_rule',
  item_prototypes: 'item_prototype',
  trigger_prototypes: 'trigger_prototype',
  graph_prototypes: 'graph_prototype',
  graph_items: 'graph_item',
  conditions: 'condition',
  overrides: 'override',
  operations: 'operation',
  lld_macro_paths: 'lld_macro_path',
  dependencies: 'dependency',
};

const INDENT = '    ';

/** The document, as Zabbix writes its exports: UTF-8, four-space indent, a field left out when undefined. */
export function toXml(root: string, value: XmlObject): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element(root, value, '')}\n`;
}

function element(tag: string, value: XmlValue, indent: string): string {
  if (typeof value === 'string') return value === '' ? `${indent}<${tag}/>` : `${indent}<${tag}>${escapeText(value)}</${tag}>`;
  const inner = indent + INDENT;
  let children: string[];
  if (isList(value)) {
    const member = MEMBER[tag];
    if (member === undefined) throw new Error(`no member element name for the list <${tag}>`);
    children = value.map((v) => element(member, v, inner));
  } else {
    children = [];
    for (const [name, v] of Object.entries(value)) if (v !== undefined) children.push(element(name, v, inner));
  }
  return children.length === 0 ? `${indent}<${tag}/>` : `${indent}<${tag}>\n${children.join('\n')}\n${indent}</${tag}>`;
}

function isList(value: XmlObject | readonly XmlValue[]): value is readonly XmlValue[] {
  return Array.isArray(value);
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
