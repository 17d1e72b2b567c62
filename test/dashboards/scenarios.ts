/**
 * How the dashboard tests set each dashboard's variables (by the text Grafana would show), on the
 * stack of stack.ts. Every query of every panel must return data in at least one scenario of its
 * dashboard; the VRRP queries that need a live pair (the passive listener hears adverts in real
 * time only) are checked in the keepalived lab (test/keepalived/vrrp-lab.test.ts) instead.
 */
export interface Scenario {
  readonly name: string;
  /** Variable → option text; `*` = All. */
  readonly picks: Readonly<Record<string, string | readonly string[]>>;
}

export const SCENARIOS: Readonly<Record<string, readonly Scenario[]>> = {
  'lvscope-ipvs-overview.json': [{ name: 'every director', picks: { instance: '*' } }],
  'lvscope-ipvs-service.json': [
    // wrr over three servers with thresholds and kernel rates.
    { name: 't1 TCP 192.0.2.10:80', picks: { instance: 't1', service: 'TCP 192.0.2.10:80' } },
    // persistence, its templates and PersistConn.
    { name: 'mysql TCP 172.16.1.18:3306', picks: { instance: 'mysql', service: 'TCP 172.16.1.18:3306' } },
    // keepalived's checker.
    {
      name: 'keepalived-lb TCP 192.0.2.10:80',
      picks: { instance: 'keepalived-lb', service: 'TCP 192.0.2.10:80' },
    },
  ],
  'lvscope-vrrp.json': [{ name: 'both directors', picks: { instance: '*' } }],
  'lvscope-capacity.json': [
    // The real recommender's textfile on the client-skew recording, with that recording's director.
    {
      name: 'client-skew TCP 10.30.0.80:80',
      picks: { textfile: 'node-client-skew', instance: 'client-skew', service: 'TCP 10.30.0.80:80' },
    },
  ],
  'lvscope-node-ipvs.json': [
    { name: 'node-t1 TCP 192.0.2.10:80', picks: { instance: 'node-t1', service: 'TCP 192.0.2.10:80' } },
  ],
};

/** `panel title/refId` of the queries only a live VRRP pair feeds (per dashboard file). */
export const LIVE_PAIR_ONLY: Readonly<Record<string, readonly string[]>> = {
  'lvscope-vrrp.json': [
    'Routers advertising, heard on the wire/A',
    'Advertised priority, heard on the wire/A',
    'Wire listener/A',
  ],
};

/**
 * `panel title/refId` of the queries no lab recording feeds: the lab sets no upper/lower
 * thresholds (`ipvsadm -x/-y`), so panels.test.ts evaluates them on kernel-6.1-t1's service that
 * has one, with the variables the service dashboard sets for it.
 */
export const THRESHOLDS_ON_T1: Readonly<Record<string, readonly string[]>> = {
  'lvscope-capacity.json': ['Live headroom to the upper threshold/A'],
};
