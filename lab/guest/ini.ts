// The INI dialect oslo.config reads (oslo_config/iniparser.py): [section],
// "key = value" or "key: value", '#'/';' comment lines, indented continuation
// lines, surrounding quotes stripped; a later file or line overrides an
// earlier one for single-valued options.
export type Ini = Map<string, Map<string, string>>;

export function parseIni(text: string, into: Ini = new Map()): Ini {
  let section: Map<string, string> | null = null;
  let lastKey: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([#;].*)?$/.test(raw)) {
      lastKey = null;
      continue;
    }
    if (/^\s/.test(raw) && section && lastKey !== null) {
      section.set(lastKey, `${section.get(lastKey)}\n${raw.trim()}`);
      continue;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      const name = header[1]!.trim();
      section = into.get(name) ?? new Map();
      into.set(name, section);
      lastKey = null;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw.trim());
    if (!kv || !section) throw new Error(`invalid INI line (outside a section or without '='): line starts with ${JSON.stringify(raw.slice(0, 12))}`);
    let value = kv[2]!.trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) value = value.slice(1, -1);
    lastKey = kv[1]!.trim();
    section.set(lastKey, value);
  }
  return into;
}

export const iniGet = (ini: Ini, section: string, key: string): string | undefined => ini.get(section)?.get(key);
