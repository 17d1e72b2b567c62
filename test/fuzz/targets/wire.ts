/** The pcap stream reader and the VRRP decoder, from tcpdump captures of keepalived 2.2.7. */
import { PcapStream, type PcapRecord } from '../../../common/pcap/pcap-stream.js';
import { ipPacket, parseVrrpPacket } from '../../../common/vrrp/parse-vrrp.js';
import { type FuzzTarget, fixtures } from '../harness.js';

const captures = fixtures(
  ['eth0.pcap', 'eth0-big-endian.pcap', 'any-sll.pcap', 'any-sll2-nano.pcap'].map(
    (name) => `fixtures/keepalived/vrrp-wire/${name}`,
  ),
  4096,
);

function records(input: Buffer): { records: PcapRecord[]; issue: unknown } {
  const stream = new PcapStream();
  const out: PcapRecord[] = [];
  // Chunks of 100 bytes: records and the header split across pushes, as tcpdump's pipe does.
  for (let i = 0; i < input.length; i += 100) stream.push(input.subarray(i, i + 100), (r) => out.push(r));
  return { records: out, issue: stream.end() };
}

/** The IP packets of the captures: the VRRP decoder's own seeds. */
const packets = captures.flatMap((capture) =>
  records(capture).records.flatMap((r) => {
    const packet = ipPacket(r.linkType, r.data);
    return typeof packet === 'string' ? [] : [Buffer.from(packet)];
  }),
);

export const wireTargets: FuzzTarget[] = [
  {
    name: 'pcap + vrrp',
    seeds: captures,
    run: (input) => {
      const { records: got, issue } = records(input);
      const decoded = got.map((r) => {
        const packet = ipPacket(r.linkType, r.data);
        return typeof packet === 'string' ? packet : parseVrrpPacket(packet);
      });
      // The record data are views into the input: only their metadata are checked.
      return { issue, decoded, records: got.map(({ data, ...meta }) => ({ ...meta, bytes: data.length })) };
    },
  },
  {
    name: 'vrrp packet',
    seeds: packets,
    run: (input) => parseVrrpPacket(input),
  },
];
