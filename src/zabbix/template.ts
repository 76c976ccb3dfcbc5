/**
 * The Zabbix 6.0 template (templates/template_app_procsock.xml), built from the constants the script
 * prints and the types of the `procsock get` document, so keys, macros and JSON fields cannot drift
 * apart. scripts/gen-template.mjs writes it; test/zabbix/template.test.ts fails when the committed
 * file is stale.
 *
 * Zabbix's template guidelines shape it: one master item without history feeding dependent items
 * through JSONPath; discoveries named "… discovery" whose value keeps only identities, so that
 * "Discard unchanged with heartbeat" holds while counters move; prototypes named after their
 * entity; user macros for every filter and threshold; a description and tags on everything.
 */
import type { GetDocument, Listener, Peer } from '../aggregate.js';
import { DEFAULT_DEADLINE_MS, GET_LLD_MACRO, ITEM_KEY, LLD_MACRO, USER_MACRO, ZABBIX_6_MAX_OUTPUT } from './constants.js';
import { toXml, type XmlObject, type XmlValue } from './xml.js';

export const TEMPLATE_NAME = 'Procsock by Zabbix agent';
export const TEMPLATE_GROUP = 'Templates/Procsock';
/** Where gen-template.mjs writes the template, from the repository root. */
export const TEMPLATE_PATH = 'templates/template_app_procsock.xml';

/** Keys of the template's dependent items and discoveries (the agent only knows ITEM_KEY). */
export const TEMPLATE_KEY = {
  DURATION: 'procsock.duration',
  SOCKETS: 'procsock.sockets',
  LISTENERS: 'procsock.listeners',
  PEERS: 'procsock.peers',
  UNRESOLVED: 'procsock.owners.unresolved',
  DENIED: 'procsock.permission_denied',
  NOT_ACCEPTED: 'procsock.not_accepted',
  PARTIAL: 'procsock.partial',
  PEERS_OMITTED: 'procsock.peers.omitted',
  LISTENER_DISCOVERY: 'procsock.listener.discovery',
  LISTENER_STATUS: 'procsock.listener.status',
  LISTENER_ESTABLISHED: 'procsock.listener.established',
  LISTENER_ACCEPT_QUEUE: 'procsock.listener.accept_queue',
  LISTENER_PID: 'procsock.listener.pid',
  PEER_DISCOVERY: 'procsock.peer.discovery',
  PEER_CONNECTIONS: 'procsock.peer.connections',
  /** The per-socket discovery run by the agent itself: every LISTEN and ESTABLISHED socket. */
  SOCKET_DISCOVERY: `${ITEM_KEY.DISCOVERY}["listen,established","tcp,udp","4,6"]`,
  /** The agent's own checks, used by the per-socket discovery's prototypes. */
  TCP_SOCKET_COUNT: 'net.tcp.socket.count',
  UDP_SOCKET_COUNT: 'net.udp.socket.count',
} as const;

/** Shown for {#PROC} when the owner cannot be seen (another user's process while unprivileged). */
export const UNRESOLVED_PROC = '(unresolved)';

/** "key[\"{#MACRO}\"]": one quoted parameter, so that "[::1]" and ":" cannot end it. */
export function keyFor(base: string, macro: string): string {
  return `${base}["${macro}"]`;
}

const L = LLD_MACRO;
const G = GET_LLD_MACRO;
const U = USER_MACRO;
const K = TEMPLATE_KEY;

/** Generated once (uuid4), never reused from Zabbix's own templates; keep them when renaming. */
const UUID = {
  group: 'c5a94632af5140dfb49a76444ec2c54a',
  template: 'bd75846dc722456693eee18750290145',
  get: '5a91f5db4f9047dab08dcd5906bda145',
  duration: 'bee774855783424a8996c9540cb7b9c8',
  sockets: '04fc1eb7eb064e46b409878824300e9c',
  listeners: '0a75a57f02ba41108e80e1996ea731df',
  peers: '14ff586526cd4ae38f2eeddb68996ecd',
  unresolved: '0d539e2386854c4a83179dce6b91728c',
  denied: 'e5850e31249445f19514ca503f07463b',
  notAccepted: '6aa88c2695d64b7d984cfb47dd0f3c95',
  partial: 'bfdf56d5261f4cf785d776f7546ab224',
  peersOmitted: 'd9db0257e9ac4cba9c205447a1adfb1a',
  unresolvedTrigger: '2ad2a4da0e5c4cf6bd690e1b94d118c9',
  partialTrigger: 'e5195d6ee41346c698580995a20a8bf4',
  nodataTrigger: 'f6c1801627ae4581a0f9c325af37ecc5',
  listenerDiscovery: 'fb75c9b223fc444c8fe211a52f155d89',
  listenerStatus: '7a36429cecb74d53841ee799bf2d4d66',
  listenerEstablished: '3b5cbe35ea984d3a8d275fe97cb95ec0',
  listenerAcceptQueue: 'a1ea4e1ff25042b3ac631672bf092576',
  listenerPid: 'd18a02136947475da3086929cac16250',
  stoppedTrigger: '870443eb375c490abd9a7f8c2ce9e619',
  queueTrigger: '2f28c9314c27420eb87f4745676201ba',
  restartTrigger: '3545e992f2fc4fdfaa827f0d6267c4e2',
  connectionsGraph: 'c6dccf014860469c9094da7e33e0155f',
  queueGraph: '041bd7d9556f4071ae4f2f92b3e383c3',
  peerDiscovery: '5c49dcaf6a6f4a8ca24ebe6811171d94',
  peerConnections: '3f25c7120efb48998cd5cf55d28cf00f',
  peerGraph: '59c97d8656ed4286bb6196022fb8833e',
  socketDiscovery: 'ee9494e4066f4b618f781c3679e9b68c',
  socketTcp: '1394abd128ea49f5ba9697abdb636854',
  socketUdp: '786b2e950cee47b6bafb30aa3344aed1',
  statusMap: '65c2753665924c9f8ead8cfd7ed2ae65',
  scanMap: 'feaea3f2362d4ae18eabc2da9b27e986',
} as const;

// JSONPath into the procsock get document; the field names are checked against its types.
type DiagnosticsField = keyof GetDocument['diagnostics'];
const LISTENER_ID: keyof Listener = 'key';
const PEER_ID: keyof Peer = 'key';
const diagnostics = (field: DiagnosticsField) => `$.diagnostics.${field}`;
const listenerMatch = `$.listeners[?(@.${LISTENER_ID} == "${G.LISTENER}")]`;
const listenerField = (field: keyof Listener) => `${listenerMatch}.${field}.first()`;
const peerField = (field: keyof Peer) => `$.peers[?(@.${PEER_ID} == "${G.PEER}")].${field}.first()`;

/** A trigger function on one of this template's items: fn(/Template/key,args...). */
function fn(name: string, key: string, ...args: string[]): string {
  return `${name}(/${TEMPLATE_NAME}/${key}${args.map((a) => `,${a}`).join('')})`;
}

/**
 * The JavaScript (Zabbix's Duktape, ES5) of a discovery on procsock.get: one LLD row per entry of
 * `list`, holding only identity fields in the document's sorted order.
 */
function discoveryScript(list: keyof Omit<GetDocument, 'diagnostics'>, idField: string, fields: ReadonlyArray<readonly [macro: string, field: string]>): string {
  const table = `{${fields.map(([macro, field]) => `${JSON.stringify(macro)}: ${JSON.stringify(field)}`).join(', ')}}`;
  return [
    `// Keeps what identifies each entry, so "Discard unchanged" holds while its counters change.`,
    `var entries = JSON.parse(value).${list};`,
    `var fields = ${table};`,
    `var rows = [];`,
    `for (var i = 0; i < entries.length; i++) {`,
    `    // A " or \\ cannot be quoted in an item key parameter: such an entry (a strange process name) is left out.`,
    `    if (/["\\\\]/.test(entries[i].${idField})) {`,
    `        continue;`,
    `    }`,
    `    var row = {};`,
    `    for (var macro in fields) {`,
    `        var v = entries[i][fields[macro]];`,
    `        row[macro] = v === '' ? ${JSON.stringify(UNRESOLVED_PROC)} : String(v);`,
    `    }`,
    `    rows.push(row);`,
    `}`,
    `return JSON.stringify(rows);`,
  ].join('\n');
}

const listenerFields: ReadonlyArray<readonly [string, keyof Listener]> = [
  [G.LISTENER, 'key'],
  [L.PROTO, 'proto'],
  [L.LADDR, 'laddr'],
  [L.LPORT, 'lport'],
  [L.PROC, 'proc'],
  [L.USER, 'user'],
];
const peerFields: ReadonlyArray<readonly [string, keyof Peer]> = [
  [G.PEER, 'key'],
  [L.PROC, 'proc'],
  [L.PROTO, 'proto'],
  [L.RADDR, 'raddr'],
  [L.RPORT, 'rport'],
];

// --- building blocks -------------------------------------------------------------------------

const step = (type: string, parameters: string[] = [], errorHandler?: string, errorParams?: string): XmlObject => ({
  type,
  parameters,
  error_handler: errorHandler,
  error_handler_params: errorParams,
});
const tag = (name: string, value: string): XmlObject => ({ tag: name, value });
const macro = (name: string, value: string, description: string): XmlObject => ({ macro: name, value, description });

type Condition = readonly [macro: string, value: string, operator: 'MATCHES_REGEX' | 'NOT_MATCHES_REGEX'];
/** Conditions in the order Zabbix stores them (by LLD macro), so a re-import compares equal. */
function filter(conditions: readonly Condition[]): XmlObject {
  const sorted = [...conditions].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return {
    evaltype: 'AND',
    conditions: sorted.map(([m, value, operator], i) => ({
      macro: m,
      value,
      operator: operator === 'MATCHES_REGEX' ? undefined : operator,
      formulaid: String.fromCharCode(65 + i),
    })),
  };
}

interface DependentItem {
  uuid: string;
  name: string;
  key: string;
  description: string;
  steps: XmlObject[];
  valueType?: 'FLOAT' | 'UNSIGNED' | 'TEXT';
  units?: string;
  valuemap?: string;
  tags: XmlObject[];
  triggers?: XmlObject[];
}

function dependent(item: DependentItem, triggersTag: 'triggers' | 'trigger_prototypes'): XmlObject {
  return {
    uuid: item.uuid,
    name: item.name,
    type: 'DEPENDENT',
    key: item.key,
    delay: '0',
    history: '7d',
    value_type: item.valueType,
    units: item.units,
    description: item.description,
    valuemap: item.valuemap === undefined ? undefined : { name: item.valuemap },
    preprocessing: item.steps,
    master_item: { key: ITEM_KEY.GET },
    tags: item.tags,
    [triggersTag]: item.triggers,
  };
}

const STATUS_MAP = 'Procsock listener status';
const SCAN_MAP = 'Procsock scan state';

const HEALTH = tag('component', 'health');
const NETWORK = tag('component', 'network');

// --- the template ----------------------------------------------------------------------------

const FIX_PRIVILEGES =
  'The agent runs as the unprivileged user zabbix, which may not read the file descriptors of other ' +
  "users' processes (/proc/PID/fd), so their sockets are reported without an owner. To resolve every owner, " +
  'either install zabbix/sudoers.d/procsock and the procsock-sudo.conf drop-in instead of procsock.conf ' +
  '(procsock then runs as root, restricted to its own command lines), or give the agent the capabilities ' +
  'CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE with the systemd drop-in zabbix/systemd/zabbix-agent.service.d/procsock.conf ' +
  '(both are needed: the first lists /proc/PID/fd, the second reads its links). ' +
  `If unresolved owners are expected here, raise ${U.UNRESOLVED_MAX}.`;

const listenerEntity = `${L.PROTO} ${L.LADDR}:${L.LPORT}`;
const peerEntity = `${L.PROC} to ${L.PROTO} ${L.RADDR}:${L.RPORT}`;
const listenerTags = [NETWORK, tag('listener', G.LISTENER), tag('process', L.PROC)];

const items: XmlObject[] = [
  {
    uuid: UUID.get,
    name: 'Procsock: Get sockets',
    key: ITEM_KEY.GET,
    history: '0',
    trends: '0',
    value_type: 'TEXT',
    description:
      'The procsock get document: every listening socket with its owner, established connections and accept queue; ' +
      'outbound connections counted per process and remote address and port; and diagnostics. ' +
      'The master item of every other item here; not stored.',
    tags: [tag('component', 'raw')],
  },
  dependent(
    {
      uuid: UUID.duration,
      name: 'Procsock: Run duration',
      key: K.DURATION,
      valueType: 'FLOAT',
      units: 's',
      description: 'How long procsock took to read the socket tables and find their owners.',
      steps: [step('JSONPATH', [diagnostics('duration_ms')]), step('MULTIPLIER', ['0.001'])],
      tags: [HEALTH],
    },
    'triggers',
  ),
  dependent(
    {
      uuid: UUID.sockets,
      name: 'Procsock: Sockets',
      key: K.SOCKETS,
      description: 'Listening and established TCP and UDP sockets, IPv4 and IPv6, that procsock saw.',
      steps: [step('JSONPATH', [diagnostics('sockets')])],
      tags: [HEALTH],
      triggers: [
        {
          uuid: UUID.nodataTrigger,
          expression: `${fn('nodata', K.SOCKETS, U.NODATA_TIMEOUT)}=1`,
          name: `Procsock: No data for ${U.NODATA_TIMEOUT}`,
          priority: 'WARNING',
          description:
            `${ITEM_KEY.GET} has not returned a valid document for ${U.NODATA_TIMEOUT}. The error of the item "Procsock: Get sockets" ` +
            'says why: procsock prints one line (bad arguments, unreadable /proc, an answer over the size limit), ' +
            'or the agent did not run it (UserParameter missing, Timeout).',
          manual_close: 'YES',
          tags: [tag('scope', 'availability')],
        },
      ],
    },
    'triggers',
  ),
  dependent(
    {
      uuid: UUID.listeners,
      name: 'Procsock: Listeners',
      key: K.LISTENERS,
      description: 'Listening addresses (TCP LISTEN sockets, and bound unconnected UDP sockets), one per protocol, address and port.',
      steps: [step('JSONPATH', ['$.listeners.length()'])],
      tags: [HEALTH],
    },
    'triggers',
  ),
  dependent(
    {
      uuid: UUID.peers,
      name: 'Procsock: Outbound peers',
      key: K.PEERS,
      description: 'Remote endpoints this host connects to, one per process, protocol, remote address and port.',
      steps: [step('JSONPATH', ['$.peers.length()'])],
      tags: [HEALTH],
    },
    'triggers',
  ),
  dependent(
    {
      uuid: UUID.unresolved,
      name: 'Procsock: Owners unresolved',
      key: K.UNRESOLVED,
      description:
        'Sockets whose owning process was not found: it belongs to another user and the agent is unprivileged, ' +
        'or the kernel holds the socket. Such sockets are still reported, without an owner.',
      steps: [step('JSONPATH', [diagnostics('owners_unresolved')])],
      tags: [HEALTH],
    },
    'triggers',
  ),
  dependent(
    {
      uuid: UUID.denied,
      name: 'Procsock: Processes not readable',
      key: K.DENIED,
      description: 'Processes whose file descriptors procsock was not allowed to read (EACCES on /proc/PID/fd).',
      steps: [step('JSONPATH', [diagnostics('permission_denied')])],
      tags: [HEALTH],
    },
    'triggers',
  ),
  dependent(
    {
      uuid: UUID.notAccepted,
      name: 'Procsock: Connections not accepted',
      key: K.NOT_ACCEPTED,
      description: 'Established connections waiting in a listen queue: no process has accepted them yet.',
      steps: [step('JSONPATH', [diagnostics('not_accepted')])],
      tags: [HEALTH],
    },
    'triggers',
  ),
  dependent(
    {
      uuid: UUID.partial,
      name: 'Procsock: Scan state',
      key: K.PARTIAL,
      valuemap: SCAN_MAP,
      description:
        `Partial when procsock stopped looking for owners at its deadline (${DEFAULT_DEADLINE_MS / 1000} s, under the agent's default Timeout of 3 s): ` +
        'some sockets then lack an owner although they have one.',
      steps: [step('JSONPATH', [diagnostics('partial')])],
      tags: [HEALTH],
      triggers: [
        {
          uuid: UUID.partialTrigger,
          expression: `${fn('last', K.PARTIAL)}=1`,
          name: 'Procsock: Owner scan incomplete',
          priority: 'WARNING',
          description:
            'procsock reached its deadline before it had read every process, so some owners are missing. ' +
            'On hosts with very many processes raise the agent Timeout and pass a longer --deadline-ms in the UserParameter.',
          tags: [tag('scope', 'performance')],
        },
      ],
    },
    'triggers',
  ),
  dependent(
    {
      uuid: UUID.peersOmitted,
      name: 'Procsock: Peers omitted',
      key: K.PEERS_OMITTED,
      description:
        `Outbound peers left out of the document so that it fits the output limit of Zabbix agent 6.0 (${ZABBIX_6_MAX_OUTPUT} bytes); ` +
        'the ones with the fewest connections go first.',
      steps: [step('JSONPATH', [diagnostics('peers_omitted')])],
      tags: [HEALTH],
    },
    'triggers',
  ),
];

/** Triggers on more than one item: Zabbix exports them beside the templates, not under an item. */
const triggers: XmlObject[] = [
  {
    uuid: UUID.unresolvedTrigger,
    expression: `${fn('last', K.UNRESOLVED)}>${U.UNRESOLVED_MAX} and ${fn('last', K.DENIED)}>0`,
    name: 'Procsock: Socket owners cannot be resolved',
    opdata: 'Unresolved: {ITEM.LASTVALUE1}, processes not readable: {ITEM.LASTVALUE2}',
    priority: 'WARNING',
    description: FIX_PRIVILEGES,
    tags: [tag('scope', 'notice')],
  },
];

const listenerStatus = keyFor(K.LISTENER_STATUS, G.LISTENER);
const listenerEstablished = keyFor(K.LISTENER_ESTABLISHED, G.LISTENER);
const listenerAcceptQueue = keyFor(K.LISTENER_ACCEPT_QUEUE, G.LISTENER);
const listenerPid = keyFor(K.LISTENER_PID, G.LISTENER);
const peerConnections = keyFor(K.PEER_CONNECTIONS, G.PEER);

const ACCEPT_QUEUE_NAME = 'Accept queue';
/** {$MACRO:"{#LPORT}"}: a value the user may set per port. */
const perPort = (name: string) => `${name.slice(0, -1)}:"${L.LPORT}"}`;
const queueWarn = perPort(U.ACCEPT_QUEUE_WARN);
const backlog = perPort(U.BACKLOG);

const listenerDiscovery: XmlObject = {
  uuid: UUID.listenerDiscovery,
  name: 'Listening sockets discovery',
  type: 'DEPENDENT',
  key: K.LISTENER_DISCOVERY,
  delay: '0',
  filter: filter([
    [L.PROTO, U.LISTENER_PROTO_MATCHES, 'MATCHES_REGEX'],
    [L.PROTO, U.LISTENER_PROTO_NOT_MATCHES, 'NOT_MATCHES_REGEX'],
    [L.LADDR, U.LISTENER_LADDR_MATCHES, 'MATCHES_REGEX'],
    [L.LADDR, U.LISTENER_LADDR_NOT_MATCHES, 'NOT_MATCHES_REGEX'],
    [L.LPORT, U.LISTENER_LPORT_MATCHES, 'MATCHES_REGEX'],
    [L.LPORT, U.LISTENER_LPORT_NOT_MATCHES, 'NOT_MATCHES_REGEX'],
    [L.PROC, U.LISTENER_PROC_MATCHES, 'MATCHES_REGEX'],
    [L.PROC, U.LISTENER_PROC_NOT_MATCHES, 'NOT_MATCHES_REGEX'],
  ]),
  lifetime: '7d',
  description:
    'Discovers every listening address: TCP sockets in LISTEN state and bound, unconnected UDP sockets, one per ' +
    `protocol, address and port (several SO_REUSEPORT sockets count as one). ${L.PROC} is the lowest PID's process name, ` +
    `or "${UNRESOLVED_PROC}" when the owner cannot be seen.`,
  item_prototypes: [
    dependent(
      {
        uuid: UUID.listenerStatus,
        name: `${listenerEntity}: Status`,
        key: listenerStatus,
        valuemap: STATUS_MAP,
        description: `Listening (1) while a socket listens on this protocol, address and port; 0 once none does. Owner: ${L.PROC}, user ${L.USER}.`,
        steps: [step('JSONPATH', [`${listenerMatch}.length()`], 'CUSTOM_VALUE', '0'), step('DISCARD_UNCHANGED_HEARTBEAT', ['1h'])],
        tags: [...listenerTags, tag('scope', 'availability')],
        triggers: [
          {
            uuid: UUID.stoppedTrigger,
            expression: `${fn('last', listenerStatus)}=0`,
            name: `${listenerEntity}: Stopped listening`,
            event_name: `${listenerEntity}: Stopped listening (was ${L.PROC})`,
            priority: 'AVERAGE',
            description:
              'No socket listens on this address any more: the service stopped or closed it. ' +
              `Listeners that come and go by design can be left out with the ${U.LISTENER_LPORT_NOT_MATCHES} or ${U.LISTENER_PROC_NOT_MATCHES} filters.`,
            tags: [tag('scope', 'availability')],
          },
        ],
      },
      'trigger_prototypes',
    ),
    dependent(
      {
        uuid: UUID.listenerEstablished,
        name: `${listenerEntity}: Established connections`,
        key: listenerEstablished,
        description: 'Established inbound connections on this address and port, including the ones not accepted yet.',
        steps: [step('JSONPATH', [listenerField('established')], 'DISCARD_VALUE')],
        tags: listenerTags,
      },
      'trigger_prototypes',
    ),
    dependent(
      {
        uuid: UUID.listenerAcceptQueue,
        name: `${listenerEntity}: ${ACCEPT_QUEUE_NAME}`,
        key: listenerAcceptQueue,
        description:
          'Connections completed by the kernel but not yet accepted by the service (rx_queue of the LISTEN socket). ' +
          "Once it exceeds the service's listen backlog, new connections are dropped. TCP only.",
        steps: [step('JSONPATH', [listenerField('accept_queue')], 'DISCARD_VALUE')],
        tags: [...listenerTags, tag('scope', 'performance')],
        triggers: [
          {
            uuid: UUID.queueTrigger,
            expression: `${fn('min', listenerAcceptQueue, '5m')}*100>=${queueWarn}*${backlog}`,
            name: `${listenerEntity}: ${ACCEPT_QUEUE_NAME} near backlog`,
            event_name: `${listenerEntity}: ${ACCEPT_QUEUE_NAME} near backlog (over ${queueWarn}% of ${backlog} for 5m)`,
            opdata: 'Queue: {ITEM.LASTVALUE1}',
            priority: 'WARNING',
            description:
              `${L.PROC} does not accept connections as fast as they arrive: for 5 minutes its accept queue has held at least ` +
              `${queueWarn}% of the listen backlog ${backlog}. Once the queue is full the kernel drops new connections. ` +
              'Look at the service (stuck or too few workers), or raise its backlog (and net.core.somaxconn). ' +
              `/proc does not show a listener's backlog (ss reads it over netlink): set ${U.BACKLOG} per port, with the context "${L.LPORT}", to the service's listen() backlog.`,
            tags: [tag('scope', 'performance')],
          },
        ],
      },
      'trigger_prototypes',
    ),
    dependent(
      {
        uuid: UUID.listenerPid,
        name: `${listenerEntity}: Owner PID`,
        key: listenerPid,
        description: `The lowest PID among the processes holding the socket (${L.PROC}); 0 when it cannot be seen.`,
        steps: [step('JSONPATH', [listenerField('pid')], 'DISCARD_VALUE')],
        tags: listenerTags,
        triggers: [
          {
            uuid: UUID.restartTrigger,
            expression:
              `${fn('max', listenerPid, U.RESTART_PERIOD)}<>${fn('min', listenerPid, U.RESTART_PERIOD)}` +
              ` and ${fn('min', listenerPid, U.RESTART_PERIOD)}>0`,
            name: `${listenerEntity}: Owner process restarted`,
            event_name: `${listenerEntity}: Owner process restarted (${L.PROC}, within ${U.RESTART_PERIOD})`,
            opdata: 'PID: {ITEM.LASTVALUE1}',
            priority: 'INFO',
            description:
              `The process holding this listener changed within the last ${U.RESTART_PERIOD}: ${L.PROC} was restarted, ` +
              'or handed the socket over to another process. Resolves by itself once the new owner has held it that long.',
            manual_close: 'YES',
            tags: [tag('scope', 'notice')],
          },
        ],
      },
      'trigger_prototypes',
    ),
  ],
  graph_prototypes: [
    {
      uuid: UUID.connectionsGraph,
      name: `${listenerEntity}: Connections`,
      graph_items: [{ color: '1A7C11', item: { host: TEMPLATE_NAME, key: listenerEstablished } }],
    },
    {
      uuid: UUID.queueGraph,
      name: `${listenerEntity}: ${ACCEPT_QUEUE_NAME}`,
      graph_items: [{ color: 'F63100', item: { host: TEMPLATE_NAME, key: listenerAcceptQueue } }],
    },
  ],
  master_item: { key: ITEM_KEY.GET },
  preprocessing: [step('JAVASCRIPT', [discoveryScript('listeners', LISTENER_ID, listenerFields)]), step('DISCARD_UNCHANGED_HEARTBEAT', ['1h'])],
  overrides: [
    {
      name: 'UDP has no accept queue',
      step: '1',
      filter: filter([[L.PROTO, '^udp$', 'MATCHES_REGEX']]),
      operations: [
        { operationobject: 'ITEM_PROTOTYPE', operator: 'LIKE', value: ACCEPT_QUEUE_NAME, discover: 'NO_DISCOVER' },
        { operationobject: 'TRIGGER_PROTOTYPE', operator: 'LIKE', value: ACCEPT_QUEUE_NAME, discover: 'NO_DISCOVER' },
        { operationobject: 'GRAPH_PROTOTYPE', operator: 'LIKE', value: ACCEPT_QUEUE_NAME, discover: 'NO_DISCOVER' },
      ],
    },
  ],
};

const peerDiscovery: XmlObject = {
  uuid: UUID.peerDiscovery,
  name: 'Outbound peers discovery',
  type: 'DEPENDENT',
  key: K.PEER_DISCOVERY,
  delay: '0',
  filter: filter([
    [L.PROC, U.PEER_PROC_MATCHES, 'MATCHES_REGEX'],
    [L.PROC, U.PEER_PROC_NOT_MATCHES, 'NOT_MATCHES_REGEX'],
    [L.RADDR, U.PEER_RADDR_MATCHES, 'MATCHES_REGEX'],
    [L.RADDR, U.PEER_RADDR_NOT_MATCHES, 'NOT_MATCHES_REGEX'],
    [L.RPORT, U.PEER_RPORT_MATCHES, 'MATCHES_REGEX'],
    [L.RPORT, U.PEER_RPORT_NOT_MATCHES, 'NOT_MATCHES_REGEX'],
  ]),
  lifetime: '7d',
  description:
    'Discovers the remote endpoints this host connects to: established connections that belong to no local listener, ' +
    'one per process, protocol, remote address and remote port.',
  item_prototypes: [
    dependent(
      {
        uuid: UUID.peerConnections,
        name: `${peerEntity}: Connections`,
        key: peerConnections,
        description: `Established connections from ${L.PROC} to ${L.RADDR} port ${L.RPORT}; 0 when there are none left.`,
        steps: [step('JSONPATH', [peerField('connections')], 'CUSTOM_VALUE', '0')],
        tags: [NETWORK, tag('peer', `${L.RADDR}:${L.RPORT}`), tag('process', L.PROC)],
      },
      'trigger_prototypes',
    ),
  ],
  graph_prototypes: [
    {
      uuid: UUID.peerGraph,
      name: `${peerEntity}: Connections`,
      graph_items: [{ color: '2774A4', item: { host: TEMPLATE_NAME, key: peerConnections } }],
    },
  ],
  master_item: { key: ITEM_KEY.GET },
  preprocessing: [step('JAVASCRIPT', [discoveryScript('peers', PEER_ID, peerFields)]), step('DISCARD_UNCHANGED_HEARTBEAT', ['1h'])],
};

const socketEntity = `${L.PROTO} ${L.LADDR}:${L.LPORT} ${L.RADDR}:${L.RPORT}`;
const socketCount = (base: string) => `${base}[${L.LADDR},${L.LPORT},${L.RADDR},${L.RPORT}]`;
const socketTags = [NETWORK, tag('state', L.STATE), tag('process', L.PROC)];

const socketDiscovery: XmlObject = {
  uuid: UUID.socketDiscovery,
  name: 'Sockets discovery',
  key: K.SOCKET_DISCOVERY,
  delay: '10m',
  status: 'DISABLED',
  filter: filter([
    [L.STATE, U.SOCKET_STATE_MATCHES, 'MATCHES_REGEX'],
    [L.PROC, U.SOCKET_PROC_MATCHES, 'MATCHES_REGEX'],
    [L.PROC, U.SOCKET_PROC_NOT_MATCHES, 'NOT_MATCHES_REGEX'],
    [L.LPORT, U.SOCKET_LPORT_MATCHES, 'MATCHES_REGEX'],
    [L.LPORT, U.SOCKET_LPORT_NOT_MATCHES, 'NOT_MATCHES_REGEX'],
  ]),
  lifetime: '1d',
  description:
    'One LLD row per LISTEN and ESTABLISHED socket, straight from procsock discovery (macros {#PROTO} {#FAMILY} {#STATE} ' +
    '{#LADDR} {#LPORT} {#RADDR} {#RPORT} {#PROC} {#PID} {#PIDS} {#USER} {#UID}). Disabled by default: every new ' +
    'outbound connection is a new socket, so items come and go; the listener and peer discoveries cover the same ground ' +
    'without that churn. Enable it for hosts with few, long-lived connections.',
  item_prototypes: [
    {
      uuid: UUID.socketTcp,
      name: `${socketEntity}: TCP sockets`,
      key: socketCount(K.TCP_SOCKET_COUNT),
      delay: '5m',
      history: '7d',
      description: `TCP sockets with these addresses and ports (the agent's own check), while ${L.STATE} when discovered, owned by ${L.PROC} (PID ${L.PID}).`,
      tags: socketTags,
    },
    {
      uuid: UUID.socketUdp,
      name: `${socketEntity}: UDP sockets`,
      key: socketCount(K.UDP_SOCKET_COUNT),
      delay: '5m',
      history: '7d',
      description: `UDP sockets with these addresses and ports (the agent's own check), while ${L.STATE} when discovered, owned by ${L.PROC} (PID ${L.PID}).`,
      tags: socketTags,
    },
  ],
  preprocessing: [step('DISCARD_UNCHANGED_HEARTBEAT', ['1h'])],
  overrides: [
    {
      name: 'TCP socket',
      step: '1',
      filter: filter([[L.PROTO, '^tcp$', 'MATCHES_REGEX']]),
      operations: [{ operationobject: 'ITEM_PROTOTYPE', operator: 'LIKE', value: 'UDP sockets', discover: 'NO_DISCOVER' }],
    },
    {
      name: 'UDP socket',
      step: '2',
      filter: filter([[L.PROTO, '^udp$', 'MATCHES_REGEX']]),
      operations: [{ operationobject: 'ITEM_PROTOTYPE', operator: 'LIKE', value: 'TCP sockets', discover: 'NO_DISCOVER' }],
    },
  ],
};

const NOT_SET = 'CHANGE_IF_NEEDED';

/** Every user macro with its default and description, in the order the README lists them. */
export const MACROS: ReadonlyArray<readonly [name: string, value: string, description: string]> = [
  [U.LISTENER_PROTO_MATCHES, '.*', 'Listening sockets discovery: protocols (tcp, udp) to discover.'],
  [U.LISTENER_PROTO_NOT_MATCHES, NOT_SET, 'Listening sockets discovery: protocols to leave out.'],
  [U.LISTENER_LADDR_MATCHES, '.*', 'Listening sockets discovery: local addresses to discover (e.g. 0.0.0.0, ::, 127.0.0.1).'],
  [U.LISTENER_LADDR_NOT_MATCHES, NOT_SET, 'Listening sockets discovery: local addresses to leave out.'],
  [U.LISTENER_LPORT_MATCHES, '.*', 'Listening sockets discovery: local ports to discover.'],
  [U.LISTENER_LPORT_NOT_MATCHES, NOT_SET, 'Listening sockets discovery: local ports to leave out (e.g. ephemeral UDP client ports).'],
  [U.LISTENER_PROC_MATCHES, '.*', `Listening sockets discovery: owning process names to discover ("${UNRESOLVED_PROC}" when unknown).`],
  [U.LISTENER_PROC_NOT_MATCHES, NOT_SET, 'Listening sockets discovery: owning process names to leave out.'],
  [U.PEER_PROC_MATCHES, '.*', `Outbound peers discovery: local process names to discover ("${UNRESOLVED_PROC}" when unknown).`],
  [U.PEER_PROC_NOT_MATCHES, NOT_SET, 'Outbound peers discovery: local process names to leave out.'],
  [U.PEER_RADDR_MATCHES, '.*', 'Outbound peers discovery: remote addresses to discover.'],
  [U.PEER_RADDR_NOT_MATCHES, NOT_SET, 'Outbound peers discovery: remote addresses to leave out.'],
  [U.PEER_RPORT_MATCHES, '.*', 'Outbound peers discovery: remote ports to discover.'],
  [U.PEER_RPORT_NOT_MATCHES, NOT_SET, 'Outbound peers discovery: remote ports to leave out.'],
  [U.SOCKET_STATE_MATCHES, '.*', 'Sockets discovery (disabled by default): states to discover (LISTEN, ESTABLISHED).'],
  [U.SOCKET_PROC_MATCHES, '.*', 'Sockets discovery: owning process names to discover.'],
  [U.SOCKET_PROC_NOT_MATCHES, NOT_SET, 'Sockets discovery: owning process names to leave out.'],
  [U.SOCKET_LPORT_MATCHES, '.*', 'Sockets discovery: local ports to discover.'],
  [U.SOCKET_LPORT_NOT_MATCHES, NOT_SET, 'Sockets discovery: local ports to leave out.'],
  [U.ACCEPT_QUEUE_WARN, '80', `Warn when an accept queue holds this percentage of ${U.BACKLOG} for 5 minutes; context: the local port.`],
  [U.BACKLOG, '128', "The listen() backlog of the services (which /proc does not show); context: the local port, e.g. {$PROCSOCK.BACKLOG:\"443\"}=511."],
  [U.RESTART_PERIOD, '10m', 'How long a change of the owning PID of a listener is reported as a restart.'],
  [U.UNRESOLVED_MAX, '0', 'Sockets without a known owner that are tolerated before the privileges trigger fires.'],
  [U.NODATA_TIMEOUT, '30m', 'How long without a valid procsock.get document before the no-data trigger fires.'],
];

const TEMPLATE_DESCRIPTION = `Which TCP and UDP sockets the host has open and which process owns each, read from /proc by procsock in one agent call.

Setup (see templates/README.md of procsock):
1. Install the script as /usr/local/bin/procsock (Node.js 18 or later).
2. Install the UserParameter drop-in zabbix/zabbix_agentd.d/procsock.conf (or zabbix_agent2.d for Zabbix agent 2) and restart the agent.
3. To see the owners of every user's sockets, use the sudo drop-in with zabbix/sudoers.d/procsock, or the capabilities drop-in for systemd.
4. Link this template; tune the ${'{$PROCSOCK.*}'} macros.

Works with Zabbix agent and Zabbix agent 2, passive checks.`;

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Zabbix keeps tags and macros sorted; write them so, and a re-import compares equal. */
function canonical(value: XmlValue, name = ''): XmlValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) {
    const list = (value as readonly XmlValue[]).map((v) => canonical(v));
    const field = (v: XmlValue, f: string) => String((v as XmlObject)[f] ?? '');
    if (name === 'tags') list.sort((a, b) => byText(field(a, 'tag'), field(b, 'tag')) || byText(field(a, 'value'), field(b, 'value')));
    if (name === 'macros') list.sort((a, b) => byText(field(a, 'macro'), field(b, 'macro')));
    return list;
  }
  const out: Record<string, XmlValue | undefined> = {};
  for (const [k, v] of Object.entries(value as XmlObject)) out[k] = v === undefined ? undefined : canonical(v, k);
  return out;
}

/** The template as Zabbix 6.0 export data. */
export function templateExport(): XmlObject {
  return canonical({
    version: '6.0',
    groups: [{ uuid: UUID.group, name: TEMPLATE_GROUP }],
    templates: [
      {
        uuid: UUID.template,
        template: TEMPLATE_NAME,
        name: TEMPLATE_NAME,
        description: TEMPLATE_DESCRIPTION,
        groups: [{ name: TEMPLATE_GROUP }],
        items,
        discovery_rules: [listenerDiscovery, peerDiscovery, socketDiscovery],
        tags: [tag('class', 'software'), tag('target', 'procsock')],
        macros: MACROS.map(([name, value, description]) => macro(name, value, description)),
        valuemaps: [
          {
            uuid: UUID.statusMap,
            name: STATUS_MAP,
            mappings: [
              { value: '0', newvalue: 'Not listening' },
              { value: '1', newvalue: 'Listening' },
            ],
          },
          {
            uuid: UUID.scanMap,
            name: SCAN_MAP,
            mappings: [
              { value: '0', newvalue: 'Complete' },
              { value: '1', newvalue: 'Partial (deadline reached)' },
            ],
          },
        ],
      },
    ],
    triggers,
  }) as XmlObject;
}

/** Every UUID the template uses (for the test that they are fresh and unique). */
export const TEMPLATE_UUIDS: readonly string[] = Object.values(UUID);

/** The committed file's exact text. */
export function templateXml(): string {
  return toXml('zabbix_export', templateExport());
}
