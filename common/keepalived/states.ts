import { VRRP_STATE } from './model.js';

const BY_NAME = new Map<string, number>(Object.entries(VRRP_STATE));

/** `MASTER` → 2; undefined for names keepalived does not use. */
export function stateNumber(name: string): number | undefined {
  return BY_NAME.get(name.toUpperCase());
}
