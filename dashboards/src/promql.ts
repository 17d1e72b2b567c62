/** PromQL and template fragments shared by the rules and the dashboards. */

/** The labels that identify a virtual service on every lvscope IPVS family (and node_exporter's). */
export const SERVICE_BY = 'proto, local_address, local_port, local_mark';
/** What a real server adds to its service's labels. */
export const DESTINATION_ONLY = 'remote_address, remote_port';
/** `ipvs_service_info`'s settings labels, beyond the service's. */
export const SERVICE_SETTINGS = 'scheduler, flags, persistence_timeout, persistence_netmask';

/** Recording rules (dashboards/rules/lvscope-ipvs.recording.yml). */
export const RECORD = {
  activePerWeight: 'ipvs_destination:connections_active:per_weight',
  serviceActive: 'ipvs_service:connections_active:sum',
  serviceActivePerWeight: 'ipvs_service:connections_active:per_weight',
  normalisedLoad: 'ipvs_destination:weight_normalised_load:ratio',
} as const;

/** Alert template text naming the alert's virtual service: `TCP 192.0.2.10:80`, `TCP [2001:db8::10]:443`, `FWM 00000001`. */
export const SERVICE_TEXT =
  '{{ if eq $labels.proto "FWM" }}FWM {{ $labels.local_mark }}{{ else }}{{ $labels.proto }} ' +
  '{{ if match ":" $labels.local_address }}[{{ $labels.local_address }}]{{ else }}{{ $labels.local_address }}{{ end }}' +
  ':{{ $labels.local_port }}{{ end }}';

/** ... and its real server: `198.18.1.2:80`, `[2001:db8:1::2]:80`. */
export const DESTINATION_TEXT =
  '{{ if match ":" $labels.remote_address }}[{{ $labels.remote_address }}]{{ else }}{{ $labels.remote_address }}{{ end }}' +
  ':{{ $labels.remote_port }}';

/** Grafana legend of a service and of a real server. */
export const SERVICE_LEGEND = '{{proto}} {{local_address}}:{{local_port}} {{local_mark}}';
export const DESTINATION_LEGEND = '{{remote_address}}:{{remote_port}}';
