// Output formats of ctl: calicoctl-style boxed tables (node status),
// kubectl-style aligned columns (bgp peers/routes), JSON and YAML.

import { stringify } from 'yaml';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';

/** +----+ boxed table with centred headers, as calicoctl node status prints. */
export function boxTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const centre = (s: string, w: number) => {
    const left = Math.floor((w - s.length) / 2);
    return ' '.repeat(left) + s + ' '.repeat(w - s.length - left);
  };
  const row = (cells: readonly string[], f: (s: string, w: number) => string) => `| ${cells.map((c, i) => f(c, widths[i]!)).join(' | ')} |`;
  return [line, row(headers, centre), line, ...rows.map((r) => row(r, (s, w) => s.padEnd(w))), line].join('\n');
}

/** Aligned columns separated by three spaces (kubectl get). */
export function columns(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  return [fmt(headers), ...rows.map(fmt)].join('\n');
}

export function structured(value: unknown, format: 'json' | 'yaml'): string {
  return format === 'json' ? JSON.stringify(value, null, 2) : stringify(value).trimEnd();
}

/** BIRD/calicoctl SINCE: the time of day when today, else the date (local time). */
export function since(ms: number, now = Date.now()): string {
  if (!ms) return '-';
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (now - ms < 86_400_000 && new Date(now).toDateString() === d.toDateString()) return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}
