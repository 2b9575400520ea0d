// Capabilities advertised in OPEN (RFC 5492), one variant per registry row;
// capabilities we do not implement are kept as opaque bytes.

export interface AfiSafi {
  readonly afi: number;
  readonly safi: number;
}

export const AddPathMode = { RECEIVE: 1, SEND: 2, BOTH: 3 } as const;

export type Capability =
  | { readonly kind: 'multiprotocol'; readonly afi: number; readonly safi: number }
  | { readonly kind: 'route-refresh' }
  | { readonly kind: 'extended-next-hop'; readonly entries: readonly (AfiSafi & { readonly nextHopAfi: number })[] }
  | { readonly kind: 'extended-message' }
  | {
      readonly kind: 'graceful-restart';
      /** R bit: the sender has restarted (RFC 4724 §3). */
      readonly restarting: boolean;
      /** N bit: graceful restart also on NOTIFICATION (RFC 8538 §2). */
      readonly notification: boolean;
      /** Seconds, 12 bits. */
      readonly restartTime: number;
      /** Per family; forwarding = F bit, forwarding state preserved. */
      readonly families: readonly (AfiSafi & { readonly forwarding: boolean })[];
    }
  | { readonly kind: 'as4'; readonly asn: number }
  | { readonly kind: 'add-path'; readonly families: readonly (AfiSafi & { readonly mode: number })[] }
  | { readonly kind: 'enhanced-route-refresh' }
  | {
      readonly kind: 'long-lived-graceful-restart';
      /** Per family; staleTime in seconds, 24 bits (RFC 9494 §3). */
      readonly families: readonly (AfiSafi & { readonly forwarding: boolean; readonly staleTime: number })[];
    }
  | { readonly kind: 'fqdn'; readonly hostname: string; readonly domain: string }
  | { readonly kind: 'unknown'; readonly code: number; readonly value: Buffer };

export type CapabilityKind = Capability['kind'];
export type CapabilityOf<K extends CapabilityKind> = Extract<Capability, { kind: K }>;
