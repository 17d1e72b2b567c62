/**
 * Label arrays for the IPVS identities, built once per collection and shared by every family that
 * describes the same service or destination. Sharing keeps allocation down and lets the
 * Prometheus renderer format each label set once. Interning also reveals identity collisions
 * (an IPv4 and an IPv6 firewall-mark service with the same mark print identically), which the
 * families then merge so an exposition never holds the same series twice.
 */
import { type ServiceKey, addressLabel, serviceId, serviceLabels } from '../../common/ipvs/vocabulary.js';
import type { IpAddr } from '../../common/net/ip.js';

export class LabelInterner {
  private readonly services = new Map<string, readonly string[]>();
  private readonly destinations = new Map<readonly string[], Map<string, readonly string[]>>();
  /** Identities seen twice within one listing, i.e. samples that must be merged. */
  collisions = 0;
  private readonly seenInListing = new Set<readonly string[]>();

  /** Call before each listing (table, ipvsadm output): collisions are counted per listing. */
  beginListing(): void {
    this.seenInListing.clear();
  }

  service(key: ServiceKey): readonly string[] {
    const id = serviceId(key);
    let labels = this.services.get(id);
    if (!labels) this.services.set(id, (labels = serviceLabels(key)));
    this.note(labels);
    return labels;
  }

  destination(service: readonly string[], addr: IpAddr, port: number): readonly string[] {
    let byEndpoint = this.destinations.get(service);
    if (!byEndpoint) this.destinations.set(service, (byEndpoint = new Map<string, readonly string[]>()));
    const address = addressLabel(addr);
    const id = `${address} ${port}`;
    let labels = byEndpoint.get(id);
    if (!labels) byEndpoint.set(id, (labels = [...service, address, String(port)]));
    this.note(labels);
    return labels;
  }

  private note(labels: readonly string[]): void {
    if (this.seenInListing.has(labels)) this.collisions++;
    else this.seenInListing.add(labels);
  }
}
