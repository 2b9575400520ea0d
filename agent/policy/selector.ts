// Kubernetes label selectors (apimachinery LabelSelector): matchLabels and
// matchExpressions are ANDed; an empty selector matches everything. Operators
// In / NotIn (values required, non-empty), Exists / DoesNotExist (values must
// be empty). NotIn and DoesNotExist also match objects without the key.
// canonicalSelector() gives a stable text form, used to name ipsets so that
// equal selectors share one set whatever the order they were written in.
import type { LabelSelector } from './model.js';

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);
// qualified name with optional DNS-subdomain prefix, as Kubernetes validates label keys
const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const VALUE = /^(|[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

/** Problems with a selector, as readable messages; empty when valid. `where` prefixes each message. */
export function selectorErrors(sel: LabelSelector, where: string): string[] {
  const errs: string[] = [];
  if (sel === null || typeof sel !== 'object') return [`${where}: selector must be an object`];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
    if (!KEY.test(k)) errs.push(`${where}.matchLabels: invalid label key ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || !VALUE.test(v)) errs.push(`${where}.matchLabels[${k}]: invalid label value ${JSON.stringify(v)}`);
  }
  (sel.matchExpressions ?? []).forEach((e, i) => {
    const at = `${where}.matchExpressions[${i}]`;
    if (!KEY.test(e.key ?? '')) errs.push(`${at}: invalid label key ${JSON.stringify(e.key)}`);
    if (!OPERATORS.has(e.operator)) {
      errs.push(`${at}: unknown operator ${JSON.stringify(e.operator)} (In, NotIn, Exists, DoesNotExist)`);
      return;
    }
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) errs.push(`${at}: operator ${e.operator} needs at least one value`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) errs.push(`${at}: operator ${e.operator} takes no values`);
    for (const v of values) if (typeof v !== 'string' || !VALUE.test(v)) errs.push(`${at}: invalid label value ${JSON.stringify(v)}`);
  });
  return errs;
}

/** Whether labels satisfy the selector (assumed valid). */
export function matches(sel: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const val = labels[e.key];
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(val as string)) return false; break;
      case 'NotIn': if (has && (e.values ?? []).includes(val as string)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
    }
  }
  return true;
}

/** Stable text form: requirements sorted, matchLabels written as `k == v`. */
export function canonicalSelector(sel: LabelSelector): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) parts.push(`${k} == ${JSON.stringify(v)}`);
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...new Set(e.values ?? [])].sort().map((v) => JSON.stringify(v)).join(',');
    parts.push(e.operator === 'Exists' || e.operator === 'DoesNotExist' ? `${e.operator}(${e.key})` : `${e.key} ${e.operator} {${vals}}`);
  }
  return [...new Set(parts)].sort().join(' && ') || 'all()';
}
