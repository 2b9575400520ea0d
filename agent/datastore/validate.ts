// Validation of resources before they are stored: the envelope first
// (apiVersion, a known kind, metadata.name as a DNS-1123 subdomain, namespace
// exactly for namespaced kinds), then the spec of each kind through a table
// of per-kind checkers. Errors name kind, name and field, e.g.
// "IPPool pool-a: spec.blockSize must be 20..32 for IPv4 (got 40)".
import { describe } from './resource.js';
import { API_VERSION, DatastoreError, K8S_NETWORKING, KINDS, NAMESPACED, type Kind, type Resource } from './types.js';
import { SPEC_CHECKS } from './validate-specs.js';

const KIND_SET: ReadonlySet<string> = new Set(KINDS);
// RFC 1123 subdomain, as Kubernetes object names
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// IPAM objects are named by the program (block CIDRs, handle IDs): letters, digits, '-', '.', '_', ':' (IPv6 CIDRs)
const IPAM_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.:]*[A-Za-z0-9])?$/;
const IPAM_KINDS: ReadonlySet<Kind> = new Set<Kind>(['IPAMBlock', 'BlockAffinity', 'IPAMHandle']);

/** The apiVersions each kind may carry (the first is the canonical one). */
export function apiVersionsOf(kind: Kind): readonly string[] {
  // Kubernetes' own kinds keep their API groups; a Namespace may also be written with ours
  if (kind === 'NetworkPolicy') return [K8S_NETWORKING];
  if (kind === 'Namespace') return ['v1', API_VERSION];
  return [API_VERSION];
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function stringMapErrors(v: unknown, at: string): string[] {
  if (v === undefined) return [];
  if (!isObject(v)) return [`${at} must be a map of strings`];
  return Object.entries(v).filter(([, x]) => typeof x !== 'string').map(([k]) => `${at}.${k} must be a string`);
}

/** All problems with `r`, each prefixed with what it is ("IPPool pool-a: ..."). Empty when valid. */
export function resourceErrors(r: unknown): string[] {
  if (!isObject(r)) return [`resource must be a mapping (got ${r === null ? 'null' : Array.isArray(r) ? 'a list' : typeof r})`];
  const kind = r.kind;
  const meta = r.metadata;
  const name = isObject(meta) && typeof meta.name === 'string' ? meta.name : '<unnamed>';
  const ns = isObject(meta) && typeof meta.namespace === 'string' ? meta.namespace : undefined;
  const what = describe(typeof kind === 'string' ? kind : '<no kind>', name, ns);
  if (typeof kind !== 'string' || !KIND_SET.has(kind)) {
    return [`${what}: unknown kind ${JSON.stringify(kind)} (known: ${KINDS.join(', ')})`];
  }
  const k = kind as Kind;
  const errs: string[] = [];
  const versions = apiVersionsOf(k);
  if (typeof r.apiVersion !== 'string' || !versions.includes(r.apiVersion)) {
    errs.push(`apiVersion must be ${versions.join(' or ')} for ${k} (got ${JSON.stringify(r.apiVersion)})`);
  }
  if (!isObject(meta)) {
    errs.push('metadata must be a mapping with a name');
  } else {
    if (typeof meta.name !== 'string' || meta.name === '') errs.push('metadata.name is required');
    else if (IPAM_KINDS.has(k)) {
      if (meta.name.length > 253 || !IPAM_NAME.test(meta.name)) errs.push(`metadata.name ${JSON.stringify(meta.name)} may hold only letters, digits, '-', '.', '_', ':' (at most 253 characters)`);
    } else if (meta.name.length > 253 || !DNS_SUBDOMAIN.test(meta.name)) {
      errs.push(`metadata.name ${JSON.stringify(meta.name)} must be a lower-case DNS subdomain (a-z, 0-9, '-', '.'; at most 253 characters)`);
    }
    if (NAMESPACED.has(k)) {
      if (typeof meta.namespace !== 'string' || meta.namespace === '') errs.push(`metadata.namespace is required for ${k}`);
      else if (meta.namespace.length > 63 || !DNS_LABEL.test(meta.namespace)) errs.push(`metadata.namespace ${JSON.stringify(meta.namespace)} must be a DNS label`);
    } else if (meta.namespace !== undefined) {
      errs.push(`metadata.namespace must be absent: ${k} is cluster-scoped`);
    }
    errs.push(...stringMapErrors(meta.labels, 'metadata.labels'), ...stringMapErrors(meta.annotations, 'metadata.annotations'));
    if (meta.resourceVersion !== undefined && typeof meta.resourceVersion !== 'string') errs.push('metadata.resourceVersion must be a string');
  }
  if (!isObject(r.spec)) {
    errs.push(r.spec === undefined ? 'spec is required' : 'spec must be a mapping');
  } else {
    errs.push(...SPEC_CHECKS[k](r.spec));
  }
  return errs.map((e) => `${what}: ${e}`);
}

/** Returns `r` typed as a resource, or throws DatastoreError('Invalid') listing every problem. */
export function checkResource(r: unknown): Resource {
  const errs = resourceErrors(r);
  if (errs.length > 0) throw new DatastoreError('Invalid', errs.join('; '));
  return r as Resource;
}
