/**
 * The dashboard JSON schema, as the types of @grafana/grafana-foundation-sdk (the dashboard,
 * its variables and links, the Prometheus query, and each panel plugin's options and field
 * config) made JSON-shaped: string enums become their values, methods (the SDK's variant
 * markers) disappear. test/dashboards/dashboards.test.ts type-checks each committed file as an
 * object literal of DashboardJson, so a wrong enum value, a misspelt or unknown field, or a
 * missing required one is a compile error naming its path.
 */
import type * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import type * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import type * as stat from '@grafana/grafana-foundation-sdk/stat';
import type * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import type * as table from '@grafana/grafana-foundation-sdk/table';
import type * as text from '@grafana/grafana-foundation-sdk/text';
import type * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

type IsAny<T> = 0 extends 1 & T ? true : false;
type Method = (...args: never[]) => unknown;

/** T as it reads from JSON. */
export type Jsonify<T> =
  IsAny<T> extends true
    ? unknown
    : T extends Method
      ? never
      : T extends string
        ? `${T}`
        : T extends number | boolean | null | undefined
          ? T
          : T extends readonly (infer U)[]
            ? Jsonify<U>[]
            : T extends object
              ? { [K in keyof T as T[K] extends Method ? never : K]: Jsonify<T[K]> }
              : T;

/** Field config whose `custom` part is the panel plugin's. */
type FieldConfigSource<Custom> = Omit<Jsonify<dashboard.FieldConfigSource>, 'defaults'> & {
  defaults: Omit<Jsonify<dashboard.FieldConfig>, 'custom'> & { custom?: Jsonify<Custom> };
};

type PanelBase = Omit<Jsonify<dashboard.Panel>, 'type' | 'targets' | 'options' | 'fieldConfig'> & {
  targets?: Jsonify<prometheus.Dataquery>[];
};

type Kind<Type extends string, Options, Custom> = PanelBase & {
  type: Type;
  options: Jsonify<Options>;
  fieldConfig?: FieldConfigSource<Custom>;
};

/** No custom field options (the plugin has none). */
type None = Record<string, never>;

export type PanelJson =
  | Kind<'timeseries', timeseries.Options, timeseries.FieldConfig>
  | Kind<'stat', stat.Options, None>
  | Kind<'bargauge', bargauge.Options, None>
  | Kind<'table', table.Options, table.FieldConfig>
  | Kind<'state-timeline', statetimeline.Options, statetimeline.FieldConfig>
  | Kind<'text', text.Options, None>;

export type RowJson = Omit<Jsonify<dashboard.RowPanel>, 'panels'> & { panels: PanelJson[] };

export type DashboardJson = Omit<Jsonify<dashboard.Dashboard>, 'panels'> & {
  panels: (PanelJson | RowJson)[];
};
