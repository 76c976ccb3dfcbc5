/**
 * templates/README.md, in the form of Zabbix's official template READMEs (overview, setup, macros,
 * discovery rules, items, triggers). The tables come from the template itself, so they cannot
 * drift from it; scripts/gen-template.mjs writes the file beside the template.
 */
import { ITEM_KEY, USER_MACRO, ZABBIX_6_MAX_OUTPUT } from './constants.js';
import { MACROS, TEMPLATE_GROUP, TEMPLATE_KEY, TEMPLATE_NAME, templateExport, UNRESOLVED_PROC } from './template.js';
import type { XmlObject } from './xml.js';

export const README_PATH = 'templates/README.md';

const cell = (text: string) =>
  text
    .replace(/\|/g, '\\|')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => `<p>${line}</p>`)
    .join('');
const code = (text: string) => `\`${text.replace(/\|/g, '\\|')}\``;
const row = (cells: string[]) => `|${cells.join('|')}|`;

function preprocessing(object: XmlObject): string {
  const steps = (object.preprocessing as XmlObject[] | undefined) ?? [];
  if (steps.length === 0) return '';
  const lines = steps.map((step) => {
    const parameters = (step.parameters as string[]).filter((p) => p !== '');
    const shown = step.type === 'JAVASCRIPT' ? ' `The text is too long. Please see the template.`' : parameters.length ? `: ${parameters.map(code).join(', ')}` : '';
    const handler = step.error_handler ? `<p>⛔️ON_FAIL: ${step.error_handler}${step.error_handler_params ? ` -> ${step.error_handler_params}` : ''}</p>` : '';
    return `<p>- ${step.type}${shown}</p>${handler}`;
  });
  return `<p>**Preprocessing**:</p>${lines.join('')}`;
}

function filterText(rule: XmlObject): string {
  const filter = rule.filter as XmlObject | undefined;
  if (!filter) return '';
  const conditions = (filter.conditions as XmlObject[]).map(
    (c) => `<p>- ${c.macro} ${(c.operator as string | undefined) ?? 'MATCHES_REGEX'} ${code(c.value as string)}</p>`,
  );
  return `<p>**Filter**:</p>${filter.evaltype} ${conditions.join('')}`;
}

function overridesText(rule: XmlObject): string {
  const overrides = (rule.overrides as XmlObject[] | undefined) ?? [];
  return overrides
    .map((o) => {
      const operations = (o.operations as XmlObject[]).map((op) => `<p>- ${op.operationobject} ${op.operator} ${code(op.value as string)}: ${op.discover}</p>`);
      const conditions = ((o.filter as XmlObject).conditions as XmlObject[]).map((c) => `${c.macro} MATCHES_REGEX ${code(c.value as string)}`);
      return `<p>**Overrides:**</p><p>${o.name}</p><p>- ${conditions.join(', ')}</p>${operations.join('')}`;
    })
    .join('');
}

const groupOf = (object: XmlObject) => {
  const component = ((object.tags as XmlObject[] | undefined) ?? []).find((t) => t.tag === 'component');
  return component ? String(component.value) : '';
};

function itemRow(item: XmlObject): string {
  return row([
    groupOf(item),
    item.name as string,
    cell(item.description as string),
    (item.type as string | undefined) ?? 'ZABBIX_PASSIVE',
    `${item.key as string}${preprocessing(item)}`,
  ]);
}

function triggerRow(trigger: XmlObject): string {
  const extra = trigger.manual_close === 'YES' ? '<p>Manual close: YES</p>' : '';
  return row([trigger.name as string, cell(trigger.description as string), code(trigger.expression as string), trigger.priority as string, extra]);
}

export function templateReadme(): string {
  const exported = templateExport();
  const template = (exported.templates as XmlObject[])[0]!;
  const rules = template.discovery_rules as XmlObject[];
  const items = template.items as XmlObject[];
  const prototypes = rules.flatMap((r) => r.item_prototypes as XmlObject[]);
  const itemTriggers = [...items, ...prototypes].flatMap((i) => ((i.triggers ?? i.trigger_prototypes) as XmlObject[] | undefined) ?? []);
  const triggers = [...itemTriggers, ...(exported.triggers as XmlObject[])];
  const m = USER_MACRO;

  return `
# ${TEMPLATE_NAME}

## Overview

For Zabbix version: 6.0 and higher (a 6.0 export; Zabbix 6.2 to 7.0 convert it on import).
The template to monitor which TCP and UDP sockets a Linux host has open and which process owns each.
One agent call runs [procsock](../README.md), which reads \`/proc/net/{tcp,tcp6,udp,udp6}\` and
\`/proc/PID/fd\` in milliseconds; every other item is a dependent item of that one master item.

- Listening sockets: one entity per protocol, local address and port (TCP \`LISTEN\`, and bound
  unconnected UDP sockets), with its status, established connections, accept queue and owning process.
- Outbound peers: the remote endpoints the host connects to, per process, with connection counts.
- procsock's own health: run time, sockets seen, owners it could not resolve, processes it could not read.
- A per-socket discovery of every \`LISTEN\` and \`ESTABLISHED\` socket, disabled by default.

This template was tested on:

- Zabbix server, frontend and agents 6.0.14 (Debian 12 packages: zabbix-server-pgsql, zabbix-frontend-php,
  zabbix-agent, zabbix-agent2), by the procsock test suite (\`test/zabbix/\`).

## Requirements

- Linux with \`/proc\`; Node.js 18 or later as \`/usr/bin/node\` (or elsewhere on the agent's \`PATH\`).
- Zabbix agent or Zabbix agent 2 (6.0 or later), passive checks from the Zabbix server or proxy.

## Setup

1. Install the script (from a procsock checkout, after \`npm ci && npm run build\`):
   \`install -m 0755 dist/procsock.cjs /usr/local/bin/procsock\`
2. Install the UserParameter drop-in for your agent and restart it:
   - Zabbix agent: \`zabbix/zabbix_agentd.d/procsock.conf\` as \`/etc/zabbix/zabbix_agentd.conf.d/procsock.conf\`
     (Debian's Include directory; Zabbix's own packages use \`/etc/zabbix/zabbix_agentd.d/\`).
   - Zabbix agent 2: \`zabbix/zabbix_agent2.d/procsock.conf\` as \`/etc/zabbix/zabbix_agent2.d/procsock.conf\`.
3. Choose how much the agent may see. It runs as the user \`zabbix\`, which cannot read the file descriptors
   of other users' processes: their sockets are still reported, with the owner \`${UNRESOLVED_PROC}\`.
   To resolve every owner, do one of:
   - sudo: install \`zabbix/sudoers.d/procsock\` as \`/etc/sudoers.d/procsock\` (mode 0440; check it with
     \`visudo -cf /etc/sudoers.d/procsock\`) and use the drop-in \`procsock-sudo.conf\` in place of \`procsock.conf\`
     (installed under the same name). sudo then runs procsock as root for exactly its command lines.
   - capabilities: keep \`procsock.conf\` and install \`zabbix/systemd/zabbix-agent.service.d/procsock.conf\`
     (agent 2: \`zabbix-agent2.service.d\`) under \`/etc/systemd/system/\`, then \`systemctl daemon-reload\`.
     It grants the agent CAP_DAC_READ_SEARCH (to list \`/proc/PID/fd\`) and CAP_SYS_PTRACE (to read its links):
     neither alone is enough. Everything else the agent runs gets them too.
4. Check from the Zabbix server: \`zabbix_get -s HOST -k ${ITEM_KEY.GET}\` prints one JSON document.
5. Import \`templates/template_app_procsock.xml\` (Data collection/Configuration > Templates > Import) and link
   the template to the host. It lands in the template group \`${TEMPLATE_GROUP}\`.
6. Tune the macros below: set \`${m.BACKLOG}\` per port to your services' listen backlog, and leave out
   listeners that come and go (short-lived UDP client sockets, for example) with the filter macros.

## Zabbix configuration

No specific Zabbix configuration is required.

### Macros used

|Name|Description|Default|
|----|-----------|-------|
${MACROS.map(([name, value, description]) => row([`${name} `, `${cell(description)} `, `${code(value)} `])).join('\n')}

## Template links

There are no template links in this template.

## Discovery rules

|Name|Description|Type|Key and additional info|
|----|-----------|----|----|
${rules.map((r) => row([`${r.name as string}${r.status === 'DISABLED' ? ' (disabled)' : ''}`, cell(r.description as string), (r.type as string | undefined) ?? 'ZABBIX_PASSIVE', `${r.key as string}${preprocessing(r)}${filterText(r)}${overridesText(r)}`])).join('\n')}

## Items collected

|Group|Name|Description|Type|Key and additional info|
|-----|----|-----------|----|---------------------|
${[...items, ...prototypes].map(itemRow).join('\n')}

## Triggers

|Name|Description|Expression|Severity|Dependencies and additional info|
|----|-----------|----|----|----|
${triggers.map(triggerRow).join('\n')}

## Known limitations

- \`/proc/net/tcp\` does not show a listener's backlog (\`ss\` reads it over netlink), so the trigger
  "Accept queue near backlog" compares the queue with \`${m.BACKLOG}\`, per port:
  \`{$PROCSOCK.BACKLOG:"443"}=511\`.
- Zabbix agent 6.0 takes at most ${ZABBIX_6_MAX_OUTPUT} bytes from a UserParameter (agent 7.0: 16 MiB). \`${ITEM_KEY.GET}\` stays under it by
  leaving out the outbound peers with the fewest connections (see "Procsock: Peers omitted");
  \`${TEMPLATE_KEY.SOCKET_DISCOVERY}\` fails with a one-line message instead.
- A peer whose process name holds \`"\` or \`\\\` cannot be written into an item key and is not discovered
  (its connections still count in the document).
- The listener and peer discoveries keep lost entities for 7 days: a listener that stops stays in
  problem "Stopped listening" until it listens again or its items are removed.

## Feedback

Please report issues with the template in the procsock repository, with a \`procsock capture\` of the host.
`.trimStart();
}
