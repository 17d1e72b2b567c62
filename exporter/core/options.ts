/**
 * Every exporter setting is declared once as an OptionSpec. The same list produces the command
 * line flags (node_exporter style: --collector.ipvs.conn / --no-collector.ipvs.conn), the YAML
 * config file schema and the typed accessors the modules read, so the three can never disagree.
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
  /** Environment variable read when neither the flag nor the config file sets the option. */
  readonly env?: string;
  /** Keep secrets (tokens, passwords) out of logs and the landing page. */
  readonly secret?: boolean;
}

export type OptionValue = KindValue[OptionKind];

export function option<K extends OptionKind>(spec: OptionSpec<K>): OptionSpec<K> {
  return spec;
}

/** Resolved settings: flag > config file > environment > default. */
export class Options {
  constructor(
    private readonly specs: ReadonlyMap<string, OptionSpec>,
    private readonly values: ReadonlyMap<string, OptionValue>,
  ) {}

  string(name: string): string {
    return this.get(name, 'string');
  }
  number(name: string): number {
    return this.get(name, 'number');
  }
  boolean(name: string): boolean {
    return this.get(name, 'boolean');
  }
  list(name: string): readonly string[] {
    return this.get(name, 'list');
  }

  private get<K extends OptionKind>(name: string, kind: K): KindValue[K] {
    const spec = this.specs.get(name);
    if (!spec) throw new Error(`unknown option "${name}"`);
    if (spec.kind !== kind) throw new Error(`option "${name}" is a ${spec.kind}, read as ${kind}`);
    return (this.values.get(name) ?? spec.default) as KindValue[K];
  }
}
