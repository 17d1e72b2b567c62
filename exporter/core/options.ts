/**
 * Every exporter setting is declared once as an OptionSpec constant. The same list produces the
 * command line flags (node_exporter style: --collector.ipvs.conn / --no-collector.ipvs.conn) and
 * the YAML config file schema, and the constant itself is the typed handle a module reads its
 * value through (`options.get(IPVS_CONN)`), so a reader can follow a flag to its use and a
 * misspelt or mistyped read does not compile.
 */
export type OptionKind = 'string' | 'number' | 'boolean' | 'list';

interface KindValue {
  string: string;
  number: number;
  boolean: boolean;
  list: readonly string[];
}

export interface OptionSpec<K extends OptionKind = OptionKind> {
  /** Dotted flag name without dashes: `web.listen-address` is `--web.listen-address`. */
  readonly name: string;
  readonly kind: K;
  readonly description: string;
  readonly default: KindValue[K];
  /** Allowed values for a `string` option. */
  readonly choices?: readonly string[];
  /** Smallest value of a `number` option (default 0: no setting counts below zero); smaller is refused. */
  readonly min?: number;
  /** Largest value of a `number` option (default: Number.MAX_SAFE_INTEGER); larger is refused. */
  readonly max?: number;
  /** Environment variable read when neither the flag nor the config file sets the option. */
  readonly env?: string;
  /** Keep secrets (tokens, passwords) out of logs and the landing page. */
  readonly secret?: boolean;
}

export type OptionValue = KindValue[OptionKind];

/** Node runs a timer set beyond 2^31 − 1 ms after 1 ms: a huge interval would become a busy loop. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

export const minOf = (spec: OptionSpec): number => spec.min ?? 0;
export const maxOf = (spec: OptionSpec): number => spec.max ?? Number.MAX_SAFE_INTEGER;

export function option<K extends OptionKind>(spec: OptionSpec<K>): OptionSpec<K> {
  return spec;
}

/** Resolved settings: flag > config file > environment > default. */
export class Options {
  /** Values set by a flag, the config file or the environment, by option name. */
  constructor(private readonly values: ReadonlyMap<string, OptionValue>) {}

  get<K extends OptionKind>(spec: OptionSpec<K>): KindValue[K] {
    return (this.values.get(spec.name) as KindValue[K] | undefined) ?? spec.default;
  }
}
