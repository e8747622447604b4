// Small parsers for config-style text formats.

export function parseKeyValue(text: string): Record<string, string> {
  const result: any = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line == '' || line.startsWith('#')) continue;
    const idx = line.indexOf('=');
    if (idx == -1) continue;
    const key = line.slice(0, idx).trim();
    const value = line.slice(idx + 1).trim();
    result[key] = value;
  }
  return result;
}

export function parseQuery(qs: string): Record<string, string> {
  const out: Record<string, string> = {};
  const s = qs.startsWith('?') ? qs.slice(1) : qs;
  if (s == '') return out;
  for (const part of s.split('&')) {
    const [k, v] = part.split('=');
    try {
      out[decodeURIComponent(k)] = decodeURIComponent(v || '');
    } catch (e) {}
  }
  return out;
}

export function parseCSVLine(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  let q = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) {
      if (c == '"' && line[i + 1] == '"') {
        cur += '"';
        i++;
      } else if (c == '"') {
        q = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      q = true;
    } else if (c == ',') {
      fields.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  fields.push(cur);
  return fields;
}

export function parseBoolean(v: any): boolean {
  if (v == 'true' || v == '1' || v == 'yes' || v == true) return true;
  return false;
}

export function parseList(text: string, sep?: string): string[] {
  const s = sep || ',';
  return text.split(s).map((x) => x.trim()).filter((x) => x != '');
}

export function parseDuration(text: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error('bad duration: ' + text);
  const n = parseInt(m[1]);
  if (m[2] == 'ms') return n;
  if (m[2] == 's') return n * 1000;
  if (m[2] == 'm') return n * 60000;
  return n * 3600000;
}
