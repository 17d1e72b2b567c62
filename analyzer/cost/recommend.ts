/**
 * The mode to run (modes-and-capacity.md §4): the simplest whose headroom at peak reaches the
 * target and whose constraints hold, judged against the current mode. A current mode that fits
 * is kept unless the simpler one saves at least `switch_saving` of the director's load (no
 * churn for a small gain). Constraints the recording cannot decide do not exclude a mode; they
 * are named as what to confirm.
 */
import type { ModeCost } from './cost.js';
import type { CostInput } from './input.js';
import { type ForwardingMode, MODE_LABELS } from './modes.js';
import type { CostProfile } from './profile.js';
import { bitsText, formatHeadroom, ppsText } from './units.js';

export interface ModeChoice {
  readonly recommended: ForwardingMode;
  readonly why: string;
  /** What to confirm before acting on it: the chosen mode's undecided constraints. */
  readonly conditions: readonly string[];
}

const label = (m: ModeCost) => MODE_LABELS[m.mode];
const busiestWay = (m: ModeCost) =>
  m.nicBitsPerSecond.rx === null || m.nicBitsPerSecond.tx === null
    ? null
    : Math.max(m.nicBitsPerSecond.rx, m.nicBitsPerSecond.tx);

function fails(m: ModeCost, target: number): string | undefined {
  const failing = m.constraints.find((c) => c.ok === false);
  if (failing) return `${failing.name} fails (${failing.detail})`;
  if (m.headroom === null) return 'cannot be costed (its load is unknown)';
  if (m.headroom < target)
    return `leaves only ${formatHeadroom(m.headroom)} headroom at peak (target ${formatHeadroom(target)}; limited by ${m.bindingResource ?? '?'})`;
  return undefined;
}

/** Share of the director's bytes (its busier way) that `to` takes off `from`. */
function saving(from: ModeCost, to: ModeCost): { share: number; text: string } | undefined {
  const a = busiestWay(from);
  const b = busiestWay(to);
  if (a !== null && b !== null && a > 0) {
    const share = 1 - b / a;
    const pa = from.packetsPerSecond.peakTotal;
    const pb = to.packetsPerSecond.peakTotal;
    const packets = pa !== null && pb !== null ? `, peak ${ppsText(pa)} → ${ppsText(pb)} packets/s` : '';
    return {
      share,
      text: `${label(to)} would take ${Math.round(share * 100)} % of the director's bytes off: ${bitsText(a)} → ${bitsText(b)} at the mean${packets}`,
    };
  }
  return undefined;
}

function headroomText(m: ModeCost): string {
  if (m.headroom === null) return 'unknown headroom';
  const binds = m.bindingResource ? ` (limited by ${m.bindingResource})` : '';
  return `headroom ${formatHeadroom(m.headroom)} at peak${binds}`;
}

function conditionsOf(m: ModeCost): string[] {
  return m.constraints.filter((c) => c.ok === null).map((c) => `${label(m)} ${c.name}: ${c.detail}`);
}

function confirm(m: ModeCost): string {
  const open = m.constraints.filter((c) => c.ok === null).map((c) => c.name);
  return open.length > 0 ? ` To confirm first: ${open.join(', ')}.` : '';
}

export function recommendMode(
  input: CostInput,
  modes: readonly ModeCost[],
  profile: CostProfile,
): ModeChoice {
  const target = profile.headroomTarget.value;
  const choose = (m: ModeCost, why: string): ModeChoice => ({
    recommended: m.mode,
    why: `${why}${confirm(m)}`,
    conditions: conditionsOf(m),
  });
  const current = modes.find((m) => m.mode === input.current);
  if (input.arrivals.peakPerSecond <= 0) {
    const keep = current ?? modes[0];
    if (!keep) throw new Error('costModes: no modes to recommend from');
    return choose(
      keep,
      `No new connections in the recording: the director's forwarding cost is nil in every mode, so keep ${current ? label(current) : 'what runs'}.`,
    );
  }
  const simplest = modes.find((m) => fails(m, target) === undefined);
  const uncosted = modes.filter((m) => m.headroom === null && m.packetsPerSecond.out === null);
  const uncostedNote =
    uncosted.length > 0
      ? ` ${uncosted.map(label).join(' and ')} not costed: the response size is unknown (give --response-bytes).`
      : '';

  if (current && fails(current, target) === undefined && simplest) {
    if (simplest === current)
      return choose(
        current,
        `Keep ${label(current)}: ${headroomText(current)} meets the ${formatHeadroom(target)} target; no simpler mode fits.${uncostedNote}`,
      );
    const gain = saving(current, simplest);
    const threshold = profile.switchSaving.value;
    if (gain && gain.share >= threshold)
      return choose(
        simplest,
        `${gain.text}; ${headroomText(simplest)}. ${label(current)} fits too (${headroomText(current)}).`,
      );
    return choose(
      current,
      `Keep ${label(current)}: ${headroomText(current)}; ${gain ? `${gain.text}, under the ${Math.round(threshold * 100)} % worth a change` : `${label(simplest)} fits too, with no measurable saving`}.`,
    );
  }
  if (simplest) {
    const gain = current ? saving(current, simplest) : undefined;
    const because = current ? `${label(current)} ${fails(current, target) ?? ''}. ` : '';
    return choose(
      simplest,
      `${because}${gain ? `${gain.text}; ` : `${label(simplest)}: `}${headroomText(simplest)}, the simplest mode that fits.${uncostedNote}`,
    );
  }
  // Nothing reaches the target: the mode that comes closest, and what would help.
  const open = modes.filter((m) => !m.constraints.some((c) => c.ok === false));
  const best = open
    .filter((m) => m.headroom !== null)
    .reduce<ModeCost | undefined>(
      (a, m) => (a === undefined || (m.headroom ?? 0) > (a.headroom ?? 0) ? m : a),
      undefined,
    );
  if (best) {
    return choose(
      best,
      `No mode reaches the ${formatHeadroom(target)} headroom target; ${label(best)} comes closest with ${headroomText(best)}: add director capacity (cores_available, line_rate_gbps) or spread the service over more directors.${uncostedNote}`,
    );
  }
  const fallback = current ?? open[0] ?? modes.find((m) => m.mode === 'nat') ?? modes[0];
  if (!fallback) throw new Error('costModes: no modes to recommend from');
  return choose(
    fallback,
    `Cannot judge the modes, so keep ${label(fallback)} for now: ${modes.map((m) => `${label(m)} ${fails(m, target) ?? ''}`).join('; ')}.${uncostedNote}`,
  );
}
