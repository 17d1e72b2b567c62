/**
 * The few panel shapes the lvscope dashboards use, on top of @grafana/grafana-foundation-sdk:
 * every panel and query reads the `${datasource}` variable, has a description and a unit, and
 * gets a unique id and refIds; rows lay their panels out left to right.
 */
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import type { Config } from './config.js';

/** Every panel and query uses the dashboard's datasource variable. */
export const DATASOURCE: { type: string; uid: string } = { type: 'prometheus', uid: '${datasource}' };
/** Tag shared by the lvscope dashboards: the links between them follow it. */
export const TAG = 'lvscope';

export interface Query {
  readonly expr: string;
  readonly legend?: string;
  /** Instant query (stat, table, bar gauge panels). */
  readonly instant?: boolean;
}

/** A threshold step: `[value, color]`, the first value null (base). */
export type Step = readonly [number | null, string];

export interface PanelSpec {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Width in grid columns (of 24) and height in grid rows. */
  readonly w: number;
  readonly h: number;
  readonly decimals?: number;
  readonly min?: number;
  readonly max?: number;
  readonly steps?: readonly Step[];
  /** Value → text and color (VRRP states, up/down). */
  readonly mappings?: Readonly<Record<string, { text: string; color: string }>>;
  readonly links?: readonly { title: string; url: string }[];
  /** Units of single queries, by refId (`D: 'decbytes'`), where they differ from `unit`. */
  readonly queryUnits?: Readonly<Record<string, string>>;
}

export interface TimeseriesSpec extends PanelSpec {
  readonly stack?: boolean;
  /** Draw the thresholds (steps) as dashed lines. */
  readonly thresholdLines?: boolean;
  /** Series whose name matches are drawn dashed (e.g. weight shares next to connection shares). */
  readonly dashed?: string;
}

export interface StatSpec extends PanelSpec {
  /** `name` shows the legend (a label such as the scheduler) instead of the value. */
  readonly text?: 'value' | 'name' | 'value_and_name';
  readonly background?: boolean;
}

export interface TableSpec extends PanelSpec {
  /** Column titles: `Value #A` → title, label names → titles; other labels are hidden. */
  readonly columns: Readonly<Record<string, string>>;
}

type AnyPanel = cog.Builder<dashboard.Panel>;

function thresholds(steps: readonly Step[] | undefined): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps((steps ?? [[null, 'green']]).map(([value, color]) => ({ value, color })));
}

function mappings(spec: PanelSpec): dashboard.ValueMapping[] {
  if (!spec.mappings) return [];
  const options: Record<string, dashboard.ValueMappingResult> = {};
  Object.entries(spec.mappings).forEach(([value, { text, color }], index) => {
    options[value] = { text, color, index };
  });
  return [{ type: dashboard.MappingType.ValueToText, options }];
}

function targets(queries: readonly Query[], format?: PromQueryFormat): DataqueryBuilder[] {
  return queries.map((query, index) => {
    const target = new DataqueryBuilder()
      .datasource(DATASOURCE)
      .refId(String.fromCharCode(65 + index))
      .expr(query.expr);
    if (query.legend !== undefined) target.legendFormat(query.legend);
    if (query.instant) target.instant();
    else target.range();
    if (format) target.format(format);
    return target;
  });
}

/** The fields every panel builder shares (title, description, unit, size, thresholds, ...). */
interface CommonBuilder<T> {
  title(title: string): T;
  description(description: string): T;
  datasource(datasource: { type: string; uid: string }): T;
  gridPos(gridPos: dashboard.GridPos): T;
  unit(unit: string): T;
  decimals(decimals: number): T;
  min(min: number): T;
  max(max: number): T;
  thresholds(thresholds: cog.Builder<dashboard.ThresholdsConfig>): T;
  mappings(mappings: dashboard.ValueMapping[]): T;
  links(links: cog.Builder<dashboard.DashboardLink>[]): T;
  withTarget(target: cog.Builder<cog.Dataquery>): T;
  overrideByQuery(queryRefId: string, properties: dashboard.DynamicConfigValue[]): T;
}

function common_<T extends CommonBuilder<T>>(builder: T, spec: PanelSpec, format?: PromQueryFormat): T {
  builder
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .gridPos({ x: 0, y: 0, w: spec.w, h: spec.h })
    .unit(spec.unit)
    .thresholds(thresholds(spec.steps));
  if (spec.decimals !== undefined) builder.decimals(spec.decimals);
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  if (spec.mappings) builder.mappings(mappings(spec));
  if (spec.links)
    builder.links(
      spec.links.map((link) =>
        new dashboard.DashboardLinkBuilder(link.title).url(link.url).includeVars(true).keepTime(true),
      ),
    );
  for (const target of targets(spec.queries, format)) builder.withTarget(target);
  for (const [refId, unit] of Object.entries(spec.queryUnits ?? {}))
    builder.overrideByQuery(refId, [{ id: 'unit', value: unit }]);
  return builder;
}

function legend(): common.VizLegendOptionsBuilder {
  return new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.Table)
    .placement(common.LegendPlacement.Bottom)
    .calcs(['lastNotNull', 'max']);
}

export function timeseriesPanel(spec: TimeseriesSpec): AnyPanel {
  const panel = common_(new timeseries.PanelBuilder(), spec)
    .legend(legend())
    .tooltip(
      new common.VizTooltipOptionsBuilder()
        .mode(common.TooltipDisplayMode.Multi)
        .sort(common.SortOrder.Descending),
    )
    .lineWidth(1)
    .fillOpacity(spec.stack ? 20 : 0)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(false);
  if (spec.stack) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (spec.thresholdLines)
    panel.thresholdsStyle(
      new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Dashed),
    );
  if (spec.dashed)
    panel.overrideByRegexp(spec.dashed, [
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
      { id: 'custom.lineWidth', value: 2 },
    ]);
  return panel;
}

export function statPanel(spec: StatSpec): AnyPanel {
  return common_(new stat.PanelBuilder(), spec)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(spec.background ? common.BigValueColorMode.Background : common.BigValueColorMode.Value)
    .textMode(
      spec.text === 'name'
        ? common.BigValueTextMode.Name
        : spec.text === 'value_and_name'
          ? common.BigValueTextMode.ValueAndName
          : common.BigValueTextMode.Value,
    )
    .justifyMode(common.BigValueJustifyMode.Auto)
    .orientation(common.VizOrientation.Auto);
}

export function barGaugePanel(spec: PanelSpec): AnyPanel {
  return common_(new bargauge.PanelBuilder(), spec)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .displayMode(common.BarGaugeDisplayMode.Basic)
    .orientation(common.VizOrientation.Horizontal)
    .showUnfilled(true);
}

export function stateTimelinePanel(spec: PanelSpec): AnyPanel {
  return common_(new statetimeline.PanelBuilder(), spec)
    .showValue(common.VisibilityMode.Auto)
    .mergeValues(true)
    .rowHeight(0.8)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(false)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    );
}

/**
 * A table of instant queries: one row per label set, one column per query (`Value #A`, ...),
 * merged; the columns listed are shown in that order, renamed, every other field hidden.
 */
export function tablePanel(spec: TableSpec): AnyPanel {
  const order = Object.keys(spec.columns);
  const indexByName = Object.fromEntries(order.map((name, index) => [name, index]));
  return common_(new table.PanelBuilder(), spec, PromQueryFormat.Table)
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({
      id: 'organize',
      options: {
        // Hide everything not listed: Time, __name__, job and the other labels.
        excludeByName: {},
        includeByName: Object.fromEntries(order.map((name) => [name, true])),
        indexByName,
        renameByName: spec.columns,
      },
    })
    .cellHeight(common.TableCellHeight.Sm)
    .showHeader(true)
    .footer(new common.TableFooterOptionsBuilder().show(false).reducer(['sum']).countRows(false));
}

export function textPanel(
  title: string,
  content: string,
  w: number,
  h: number,
): cog.Builder<dashboard.Panel> {
  return {
    build: () => ({
      type: 'text',
      title,
      description: '',
      gridPos: { x: 0, y: 0, w, h },
      options: {
        mode: 'markdown',
        content,
        code: { language: 'plaintext', showLineNumbers: false, showMiniMap: false },
      },
    }),
  };
}

export interface Variable {
  readonly builder: cog.Builder<dashboard.VariableModel>;
}

export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('prometheus')
    .description('Prometheus that scrapes lvs-exporter (or node_exporter).');
}

/** `label_values(selector, label)`, refreshed with the time range. */
export function labelValuesVariable(
  name: string,
  label: string,
  selector: string,
  description: string,
  options: { multi?: boolean } = {},
): dashboard.QueryVariableBuilder {
  const query = `label_values(${selector}, ${label})`;
  const variable = new dashboard.QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.NaturalAsc);
  if (options.multi) variable.multi(true).includeAll(true).allValue('.+');
  return variable;
}

/** The labels that identify a service, in Prometheus's (sorted) label order. */
export const SERVICE_LABELS = ['local_address', 'local_mark', 'local_port', 'proto'] as const;

/**
 * `service`: one virtual service of the series `selector`, as a selector fragment
 * (`local_address="192.0.2.10",local_port="80",proto="TCP"`, written into queries with
 * `${service:raw}`), shown as `TCP 192.0.2.10:80`, `TCP [2001:db8::10]:443` or `FWM 00000001`.
 * Grafana's query_result() prints each series as `{k="v",...} value time` with the labels in
 * Prometheus's order; Prometheus drops empty labels (local_mark of a TCP service, local_address
 * of an FWM one), so the fragment holds the service's non-empty labels, which identify it as
 * well. The regex takes them as the value and the joined `service` label as the text.
 */
export function serviceVariable(selector: string, description: string): dashboard.QueryVariableBuilder {
  const joined = `label_join(${selector}, "service", ";", "proto", "local_address", "local_port", "local_mark")`;
  const fwm = `label_replace(${joined}, "service", "FWM $1", "service", "FWM;;0;(.*)")`;
  const ipv6 = `label_replace(${fwm}, "service", "$1 [$2]:$3", "service", "(TCP|UDP|SCTP);([^;]*:[^;]*);([^;]*);")`;
  const ipv4 = `label_replace(${ipv6}, "service", "$1 $2:$3", "service", "(TCP|UDP|SCTP);([^;:]*);([^;]*);")`;
  const query = `query_result(count by (${[...SERVICE_LABELS, 'service'].join(', ')}) (${ipv4}))`;
  return new dashboard.QueryVariableBuilder('service')
    .label('service')
    .description(description)
    .datasource(DATASOURCE)
    .query(query)
    .definition(query)
    .regex(
      '/^\\{(?<value>(?:local_address="[^"]*",)?(?:local_mark="[^"]*",)?local_port="[^"]*",proto="[^"]*"),service="(?<text>[^"]*)"\\}/',
    )
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.NaturalAsc);
}

export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly cog.Builder<dashboard.VariableModel>[];
  /** Rows of panels; a row title of '' puts its panels at the top without a row. */
  readonly rows: readonly { readonly title: string; readonly panels: readonly AnyPanel[] }[];
}

/** Builds the dashboard: ids 1.., links to the other lvscope dashboards by tag. */
export function buildDashboard(spec: DashboardSpec, config: Config): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([TAG])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .refresh(config.dashboardRefresh)
    .time({ from: config.dashboardTimeFrom, to: 'now' })
    .timezone('browser')
    .link(
      new dashboard.DashboardLinkBuilder('lvscope dashboards')
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true)
        .targetBlank(false)
        .icon('external link')
        .tooltip('')
        .url(''),
    );
  for (const variable of spec.variables) builder.withVariable(variable);
  // Lay the panels out here (the SDK's own placement lets a panel run past column 24): left to
  // right, a new line when the next panel does not fit, each row below the tallest panel above.
  let id = 1;
  let x = 0;
  let y = 0;
  let lineHeight = 0;
  const place = (panel: AnyPanel): AnyPanel => ({
    build: () => {
      const built = panel.build();
      const { w, h } = built.gridPos ?? { w: 12, h: 8 };
      if (x + w > 24) {
        x = 0;
        y += lineHeight;
        lineHeight = 0;
      }
      const placed = { ...built, id: id++, gridPos: { x, y, w, h } };
      x += w;
      lineHeight = Math.max(lineHeight, h);
      return placed;
    },
  });
  for (const row of spec.rows) {
    if (row.title !== '') {
      y += lineHeight;
      builder.withRow(new dashboard.RowBuilder(row.title).id(id++).gridPos({ x: 0, y, w: 24, h: 1 }));
      y += 1;
      x = 0;
      lineHeight = 0;
    }
    for (const panel of row.panels) builder.withPanel(place(panel));
  }
  return builder.build();
}
