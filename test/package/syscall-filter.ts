/**
 * The system calls a unit's SystemCallFilter= lets through, from systemd's own group table
 * (`systemd-analyze syscall-filter` output: `@group` headers, indented members that are calls or
 * other groups, `#` descriptions), with systemd's rules: the first list without `~` is an allow
 * list (to which systemd adds @default), later `~` lists remove from it.
 */

export type SyscallGroups = ReadonlyMap<string, readonly string[]>;

export function parseSyscallGroups(text: string): SyscallGroups {
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const raw of text.split('\n')) {
    if (raw.startsWith('@')) {
      const name = raw.split(/[\s#]/)[0] ?? raw;
      current = [];
      groups.set(name, current);
      continue;
    }
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#') || !current) continue;
    current.push(entry);
  }
  return groups;
}

/** The calls a group or call name stands for (groups expanded recursively). */
export function expand(groups: SyscallGroups, name: string, seen = new Set<string>()): Set<string> {
  if (!name.startsWith('@')) return new Set([name]);
  const members = groups.get(name);
  if (!members) throw new Error(`unknown system call group ${name}`);
  if (seen.has(name)) return new Set();
  seen.add(name);
  return new Set(members.flatMap((member) => [...expand(groups, member, seen)]));
}

/** The calls allowed by a list of SystemCallFilter= values (an allow list is required). */
export function allowedSyscalls(groups: SyscallGroups, filters: readonly string[]): Set<string> {
  const [first, ...rest] = filters;
  if (first === undefined || first.startsWith('~')) throw new Error('SystemCallFilter= has no allow list');
  const names = (value: string) =>
    value
      .replace(/^~/, '')
      .split(/\s+/)
      .filter((word) => word !== '');
  const allowed = new Set([
    ...expand(groups, '@default'),
    ...names(first).flatMap((n) => [...expand(groups, n)]),
  ]);
  for (const value of rest) {
    const calls = names(value).flatMap((name) => [...expand(groups, name)]);
    if (value.startsWith('~')) for (const call of calls) allowed.delete(call);
    else for (const call of calls) allowed.add(call);
  }
  return allowed;
}

/**
 * The calls `strace -f -o FILE` saw after `fromExec` was executed (so the launcher's own
 * privilege-dropping calls before it do not count). Lines look like `PID name(args) = r` or
 * `PID <... name resumed>...`; signals and exits are skipped.
 */
export function tracedSyscalls(trace: string, fromExec: string): Set<string> {
  const calls = new Set<string>();
  let started = false;
  for (const line of trace.split('\n')) {
    if (!started) {
      // A failed attempt (`= -1 ENOENT`) is not the start; a split line (`<unfinished ...>`) is.
      started = line.includes(`execve("${fromExec}"`) && !/ = -1 /.test(line);
      continue;
    }
    const call = /^\d+ +(?:<\.\.\. )?([a-z0-9_]+)(?:\(| resumed>)/.exec(line);
    if (call?.[1] !== undefined) calls.add(call[1]);
  }
  if (!started) throw new Error(`the trace never shows a successful execve of ${fromExec}`);
  return calls;
}
