/**
 * Pools from `ipvsadm -S -n` output (also a restore script: `ipvsadm` words and comments are
 * allowed, and -E/-D/-e/-d/-C apply in order): one pool per virtual service, named by its address
 * (`192.0.2.10:80`, `fwm:1`), its real servers with their weights, forwarding methods and
 * thresholds, and its scheduler and persistence as configured. Lines are read by the trace
 * parser's ipvsadm command parser, so they are checked the way ipvsadm checks its arguments.
 */
import type { ServiceKey } from '../../../common/ipvs/vocabulary.js';
import type { Endpoint } from '../../../common/net/ip.js';
import { type ParseIssue, type Parsed, boundedIssue } from '../../../common/parse/issue.js';
import type { ServerSettings, ServiceSettings } from '../../kernel/config.js';
import { FieldError, parseIpvsadm } from '../ipvsadm/parse-command.js';
import { tokenize } from '../ipvsadm/tokenize.js';
import type { Pool } from './model.js';
import { servicePoolName, serviceSpec } from './service-spec.js';

interface ServiceDraft {
  readonly key: ServiceKey;
  settings: ServiceSettings;
  readonly line: number;
  readonly servers: Map<string, { server: Endpoint; settings: ServerSettings; line: number }>;
}

const serverId = (server: Endpoint) => `${server.addr.text} ${server.port}`;

/** Parses `ipvsadm -S -n` text; `file` names it in issues and origins (`stdin` for standard input). */
export function parseIpvsadmSave(text: string, file: string): Parsed<Pool[]> {
  const issues: ParseIssue[] = [];
  const services = new Map<string, ServiceDraft>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    const problem = (field: string, message: string) =>
      issues.push(boundedIssue({ file, line, field, message }));
    let words: string[];
    try {
      words = tokenize((lines[i] ?? '').replace(/\r$/, ''));
    } catch (error) {
      problem('line', error instanceof Error ? error.message : String(error));
      continue;
    }
    if (words.length === 0) continue;
    const head = words[0] ?? '';
    const args = head === 'ipvsadm' || head.endsWith('/ipvsadm') ? words.slice(1) : words;
    let command;
    try {
      command = parseIpvsadm(args);
    } catch (error) {
      if (error instanceof FieldError) problem(error.field, error.message);
      else throw error;
      continue;
    }
    const find = (key: ServiceKey) => services.get(serviceSpec(key));
    switch (command.op) {
      case 'add-service':
        if (find(command.service)) problem('-A', 'Service already exists');
        else
          services.set(serviceSpec(command.service), {
            key: command.service,
            settings: command.settings,
            line,
            servers: new Map(),
          });
        break;
      case 'edit-service': {
        const svc = find(command.service);
        if (svc) svc.settings = command.settings;
        else problem('-E', 'Service not defined');
        break;
      }
      case 'delete-service':
        if (!services.delete(serviceSpec(command.service))) problem('-D', 'Service not defined');
        break;
      case 'clear':
        services.clear();
        break;
      case 'add-server':
      case 'edit-server': {
        const svc = find(command.service);
        const flag = command.op === 'add-server' ? '-a' : '-e';
        const id = serverId(command.server);
        if (!svc) problem(flag, 'Service not defined');
        else if (command.op === 'add-server' && svc.servers.has(id))
          problem(flag, 'Destination already exists');
        else if (command.op === 'edit-server' && !svc.servers.has(id)) problem(flag, 'No such destination');
        else svc.servers.set(id, { server: command.server, settings: command.settings, line });
        break;
      }
      case 'delete-server': {
        const svc = find(command.service);
        if (!svc) problem('-d', 'Service not defined');
        else if (!svc.servers.delete(serverId(command.server))) problem('-d', 'No such destination');
        break;
      }
      case 'set-timeouts':
      case 'zero':
      case 'read-only':
        break;
    }
  }
  const pools = [...services.values()].map((svc): Pool => {
    const origin = `${file}:${svc.line}`;
    const persistent = svc.settings.persistenceS !== null;
    return {
      name: servicePoolName(svc.key),
      aliases: [],
      services: [svc.key],
      origin,
      origins: [origin],
      sources: ['ipvsadm-save'],
      servers: [...svc.servers.values()].map(({ server, settings, line }) => ({
        addr: server.addr,
        // A mark service's server is reached on whatever port the packet has: match by address.
        ...(svc.key.kind === 'fwmark' && server.port === 0 ? {} : { port: server.port }),
        weight: settings.weight,
        forward: settings.forward,
        upperThreshold: settings.uThreshold,
        lowerThreshold: settings.lThreshold,
        origin: `${file}:${line}`,
      })),
      scheduler: svc.settings.scheduler,
      persistenceSeconds: svc.settings.persistenceS ?? 0,
      ...(persistent ? { persistenceNetmask: svc.settings.netmask } : {}),
    };
  });
  return { value: pools, issues };
}
