import { VRRP_STATE, type VrrpStateName } from './model.js';

const BY_NAME = new Map<string, number>(Object.entries(VRRP_STATE));
const BY_NUMBER = new Map<number, string>(Object.entries(VRRP_STATE).map(([name, n]) => [n, name]));

/** `MASTER` → 2; undefined for names keepalived does not use. */
export function stateNumber(name: string): number | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** 2 → `MASTER`; `UNKNOWN(n)` for numbers outside keepalived's set. */
export function stateName(n: number): VrrpStateName | `UNKNOWN(${number})` {
  return (BY_NUMBER.get(n) as VrrpStateName | undefined) ?? `UNKNOWN(${n})`;
}
