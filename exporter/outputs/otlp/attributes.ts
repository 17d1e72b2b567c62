/**
 * Prometheus label → OTel attribute mapping, one table for every family. Semantic conventions
 * where one fits (server.*, network.*, cpu.*), a documented `ipvs.*`/`keepalived.*`/`lvscope.*`
 * attribute otherwise. Empty label values are dropped: OTel has no "empty means none" convention,
 * and node_exporter's empty `local_address`/`local_mark` only keep its label sets uniform.
 */
import type { Attributes } from '@opentelemetry/api';

export type Domain = 'ipvs' | 'keepalived' | 'lvscope';

export interface AttributeRule {
  readonly attribute: string;
  readonly description: string;
  /** Turns the label value into the attribute value; undefined drops the attribute. */
  readonly convert?: (value: string, labels: ReadonlyMap<string, string>) => string | number | undefined;
}

const integer = (value: string): string | number => (/^\d+$/.test(value) ? Number(value) : value);

const transport = (value: string): string | undefined => (value === 'FWM' ? undefined : value.toLowerCase());

/** FWM services print port 0: a firewall mark has no port, unlike a real port-0 (all ports) service. */
const servicePort = (value: string, labels: ReadonlyMap<string, string>): string | number | undefined =>
  labels.get('proto') === 'FWM' ? undefined : integer(value);

const fwmark = (value: string): number | string =>
  /^[0-9A-Fa-f]{1,8}$/.test(value) ? parseInt(value, 16) : value;

/** Virtual service and real server identity: IPVS families and keepalived's checker families. */
const ADDRESS: Readonly<Record<string, AttributeRule>> = {
  proto: {
    attribute: 'network.transport',
    description:
      '`tcp`, `udp`, `sctp` (lowercased); dropped for `FWM` services, which carry `ipvs.service.fwmark`',
    convert: transport,
  },
  local_address: { attribute: 'server.address', description: 'virtual address of the service' },
  local_port: {
    attribute: 'server.port',
    description: 'virtual port (integer); dropped for FWM services',
    convert: servicePort,
  },
  local_mark: {
    attribute: 'ipvs.service.fwmark',
    description: 'firewall mark of an FWM service, as a decimal integer (the label is 8 hex digits)',
    convert: fwmark,
  },
  remote_address: { attribute: 'network.peer.address', description: 'real server address' },
  remote_port: {
    attribute: 'network.peer.port',
    description: 'real server port (integer)',
    convert: integer,
  },
};

const NETWORK_TYPE: AttributeRule = {
  attribute: 'network.type',
  description:
    '`ipv4` or `ipv6`, derived from the virtual address (the real server address for FWM services)',
};

const IPVS: Readonly<Record<string, AttributeRule>> = {
  scheduler: { attribute: 'ipvs.service.scheduler', description: 'scheduler name (`wlc`, `mh`, ...)' },
  flags: {
    attribute: 'ipvs.service.flags',
    description: 'service flags, comma separated (`ops`, `sh-fallback`, `sh-port`, `mh-port`, ...)',
  },
  persistence_timeout: {
    attribute: 'ipvs.service.persistence.timeout',
    description: 'persistence timeout in seconds (integer)',
    convert: integer,
  },
  persistence_netmask: { attribute: 'ipvs.service.persistence.netmask', description: 'persistence netmask' },
  forward: {
    attribute: 'ipvs.destination.forward',
    description: 'forwarding method as printed (`Masq`, `Route`, `Tunnel`, `Local`)',
  },
  state: {
    attribute: 'ipvs.connection.state',
    description: 'connection-table state as printed (`ESTABLISHED`, ...)',
  },
  client_address: { attribute: 'client.address', description: 'client address of connection-table entries' },
  cpu: {
    attribute: 'cpu.logical_number',
    description: 'CPU of a per-CPU counter (integer)',
    convert: integer,
  },
};

const KEEPALIVED: Readonly<Record<string, AttributeRule>> = {
  daemon: {
    attribute: 'keepalived.daemon',
    description: 'name given to the keepalived daemon (several per host)',
  },
  iname: {
    attribute: 'keepalived.vrrp.instance',
    description: 'VRRP instance (or, from the FIFO, sync group) name',
  },
  intf: { attribute: 'network.interface.name', description: 'interface the instance or VIP is on' },
  vrid: { attribute: 'keepalived.vrrp.vrid', description: 'virtual router id (integer)', convert: integer },
  ip_address: { attribute: 'keepalived.vrrp.vip', description: 'virtual IP address' },
  excluded: { attribute: 'keepalived.vrrp.vip.excluded', description: 'whether the VIP is an excluded one' },
  name: { attribute: 'keepalived.script.name', description: 'tracked script name' },
  process: { attribute: 'keepalived.track_process.name', description: 'tracked process name' },
  kind: { attribute: 'keepalived.notify.kind', description: 'notify FIFO subject (`INSTANCE`, `GROUP`)' },
  to_state: { attribute: 'keepalived.vrrp.to_state', description: 'state a notify FIFO transition went to' },
  vs_group: { attribute: 'keepalived.virtual_server.group', description: 'virtual_server_group name' },
  version: {
    attribute: 'keepalived.vrrp.version',
    description: 'VRRP version of a router heard on the wire (integer 2 or 3)',
    convert: integer,
  },
  source_address: { attribute: 'source.address', description: 'address a VRRP advert was sent from' },
  address_family: {
    attribute: 'network.type',
    description: '`ipv4` or `ipv6`: the IP version of the adverts (VRIDs are separate per version)',
  },
};

const LVSCOPE: Readonly<Record<string, AttributeRule>> = {
  version: { attribute: 'lvscope.version', description: 'lvscope version (build info)' },
  nodejs_version: { attribute: 'process.runtime.version', description: 'Node.js version (build info)' },
};

const COMMON: Readonly<Record<string, AttributeRule>> = {
  source: {
    attribute: 'lvscope.source',
    description: 'input of one collection (a /proc file, a dump, a command)',
  },
  sink: { attribute: 'lvscope.sink', description: 'push output (`otlp`, `influx`)' },
};

const TABLES: Readonly<Record<Domain, readonly Readonly<Record<string, AttributeRule>>[]>> = {
  ipvs: [ADDRESS, IPVS, COMMON],
  keepalived: [ADDRESS, KEEPALIVED, COMMON],
  lvscope: [LVSCOPE, COMMON],
};

/** The domain of a family, from the first segment of its OTel name. */
export function domainOf(otelName: string): Domain {
  const head = otelName.split('.')[0];
  return head === 'keepalived' || head === 'lvscope' ? head : 'ipvs';
}

/** The rule for a label, or undefined when the table has none (the fallback name is then used). */
export function ruleFor(domain: Domain, label: string): AttributeRule | undefined {
  for (const table of TABLES[domain]) {
    const rule = table[label];
    if (rule) return rule;
  }
  return undefined;
}

/** `ipvs.<label>`-style name for labels missing from the table, so nothing is lost silently. */
export function fallbackAttribute(domain: Domain, label: string): string {
  return `${domain}.${label}`;
}

export interface MappingRow {
  readonly domains: string;
  readonly label: string;
  readonly rule: AttributeRule;
}

/** Every entry of the mapping table, for the documentation generator. */
export function mappingTable(): MappingRow[] {
  const tables: [string, Readonly<Record<string, AttributeRule>>][] = [
    ['ipvs, keepalived', ADDRESS],
    ['ipvs, keepalived', { '(local_address or remote_address)': NETWORK_TYPE }],
    ['ipvs', IPVS],
    ['keepalived', KEEPALIVED],
    ['lvscope', LVSCOPE],
    ['all', COMMON],
  ];
  return tables.flatMap(([domains, table]) =>
    Object.entries(table).map(([label, rule]) => ({ domains, label, rule })),
  );
}

function addressFamily(address: string): string {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

/** Builds one data point's attributes from a family's label names and one sample's values. */
export function labelAttributes(
  domain: Domain,
  labelNames: readonly string[],
  values: readonly string[],
): Attributes {
  const labels = new Map<string, string>();
  labelNames.forEach((name, index) => labels.set(name, values[index] ?? ''));
  const attributes: Attributes = {};
  for (const [label, value] of labels) {
    if (value === '') continue;
    const rule = ruleFor(domain, label);
    const converted = rule?.convert ? rule.convert(value, labels) : value;
    if (converted !== undefined) attributes[rule?.attribute ?? fallbackAttribute(domain, label)] = converted;
  }
  if (domain !== 'lvscope') {
    const address = labels.get('local_address') || labels.get('remote_address');
    if (address) attributes[NETWORK_TYPE.attribute] = addressFamily(address);
  }
  return attributes;
}
