import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateApiKey, generateKeyPair, type KeysFile, type KeysFileEntry } from '@keygate/core';
import { OperationError, UsageError } from './errors.js';
import { readKeys, updateKeys } from './keys-file-store.js';

type Environment = 'live' | 'test';

const OPTIONS = {
  file: { type: 'string' },
  database: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  tenant: { type: 'string' },
  env: { type: 'string' },
  pair: { type: 'boolean' },
  scopes: { type: 'string' },
  'rate-limit': { type: 'string' },
  expires: { type: 'string' },
  id: { type: 'string' },
  overlap: { type: 'string' },
} as const;

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

const COMMON = ['file', 'database', 'json', 'help'];
const TARGET = `Target:
  --file PATH      the keys file (default $KEYGATE_KEYS, else ./keys.json; created if missing)
  --database URL   PostgreSQL (not available yet: exits with 2)
  --json           print one JSON value
  -h, --help       this help`;

interface Command {
  usage: string;
  summary: string;
  options: string[];
  /** Names of the positional arguments (each required). */
  args: string[];
  help: string;
  run(values: Values, args: string[], file: string): Promise<{ json: unknown; text: string }>;
}

const COMMANDS: Record<string, Command> = {
  'keys create': {
    usage: 'keygate keys create --tenant T --env live|test [--pair] [--scopes a,b] [--rate-limit N/Ss] [--expires ISO] [--id ID]',
    summary: 'create a Basic key, or a key pair with --pair (the secret is shown only once)',
    options: ['tenant', 'env', 'pair', 'scopes', 'rate-limit', 'expires', 'id'],
    args: [],
    help: `  --tenant T          the tenant (create it first with \`keygate tenants create T\`)
  --env live|test     the key's environment
  --pair              a key pair (pk_… + sk_…) instead of a Basic key
  --scopes a,b        the scopes the key may use (default: unrestricted)
  --rate-limit N/Ss   e.g. 100/60s: at most N requests in S seconds
  --expires ISO       when the key ends, e.g. 2027-01-31T00:00:00Z
  --id ID             the key id (default key_<random>)
Output (--json): { id, tenant, environment, kind, key | publicKey + secretKey, scopes }`,
    run: keysCreate,
  },
  'keys list': {
    usage: 'keygate keys list [--tenant T]',
    summary: 'list keys (never their secrets)',
    options: ['tenant'],
    args: [],
    help: `  --tenant T   only the keys of this tenant
Output (--json): [ { id, tenant, environment, kind, scopes, revoked, expiresAt, hint } ]`,
    run: keysList,
  },
  'keys revoke': {
    usage: 'keygate keys revoke ID',
    summary: 'revoke a key',
    options: [],
    args: ['ID'],
    help: 'Output (--json): { id, revoked: true }',
    run: keysRevoke,
  },
  'keys rotate': {
    usage: 'keygate keys rotate ID [--overlap 7d]',
    summary: "rotate a key: a pair gets a new secret, a Basic key a new key; the old one works for --overlap",
    options: ['overlap'],
    args: ['ID'],
    help: `  --overlap D   how long the old secret or key keeps working: 30s, 15m, 12h, 7d (default 7d)
Output (--json): pair { id, publicKey, secretKey, previousValidUntil };
                 Basic { id (the new key's), key, replaces, previousValidUntil }`,
    run: keysRotate,
  },
  'tenants create': tenantCommand('create', 'create an active tenant'),
  'tenants suspend': tenantCommand('suspend', "suspend a tenant (its keys are refused)"),
  'tenants activate': tenantCommand('activate', 'activate a suspended tenant'),
  'db migrate': {
    usage: 'keygate db migrate',
    summary: 'create the PostgreSQL schema (not available yet)',
    options: [],
    args: [],
    help: 'PostgreSQL is not available yet: this command exits with 2.',
    run: async () => {
      throw new UsageError('PostgreSQL is not available yet: `db migrate` needs --database, which this version does not support; use a keys file (--file)');
    },
  },
};

const GROUPS = ['keys', 'tenants', 'db'];

/** Runs one command line; returns the exit code (0 success, 1 operation failed, 2 usage error). */
export async function main(argv: string[], io: { out: (text: string) => void; err: (text: string) => void } = defaultIo()): Promise<number> {
  let name: string | undefined;
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const values = parsed.values as Values;
    const [group, action, ...args] = parsed.positionals;
    if (group === undefined) {
      if (values.help) {
        io.out(overallHelp());
        return 0;
      }
      throw new UsageError('no command given');
    }
    if (!GROUPS.includes(group)) throw new UsageError(`unknown command "${group}"`);
    if (action === undefined) {
      if (values.help) {
        io.out(overallHelp(group));
        return 0;
      }
      throw new UsageError(`"${group}" needs a command`);
    }
    name = `${group} ${action}`;
    const command = COMMANDS[name];
    if (!command) {
      const known = name;
      name = undefined;
      throw new UsageError(`unknown command "${known}"`);
    }
    if (values.help) {
      io.out(commandHelp(command));
      return 0;
    }
    for (const option of Object.keys(values)) {
      if (!COMMON.includes(option) && !command.options.includes(option)) throw new UsageError(`"${name}" has no option --${option}`, name);
    }
    if (args.length < command.args.length) throw new UsageError(`missing ${command.args.slice(args.length).join(' ')}`, name);
    if (args.length > command.args.length) throw new UsageError(`unexpected argument "${args[command.args.length]}"`, name);
    if (values.database !== undefined) {
      throw new UsageError('PostgreSQL (--database) is not available yet in this version; use a keys file (--file)', name);
    }
    const file = resolve(values.file ?? (process.env.KEYGATE_KEYS || 'keys.json'));
    const { json, text } = await command.run(values, args, file);
    io.out(values.json ? `${JSON.stringify(json, null, 2)}\n` : text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      const command = error.command ?? name;
      io.err(`keygate: ${error.message}\nUsage: ${command ? COMMANDS[command]!.usage : 'keygate <keys|tenants|db> <command> [options]'}\nRun \`keygate ${command ?? ''}${command ? ' ' : ''}--help\` for help.\n`);
      return 2;
    }
    if (error instanceof OperationError) {
      io.err(`keygate: ${error.message}\n`);
      return 1;
    }
    io.err(`keygate: ${(error as Error)?.message ?? String(error)}\n`);
    return 1;
  }
}

function defaultIo() {
  return { out: (text: string) => void process.stdout.write(text), err: (text: string) => void process.stderr.write(text) };
}

function overallHelp(group?: string): string {
  const lines = Object.entries(COMMANDS)
    .filter(([name]) => group === undefined || name.startsWith(`${group} `))
    .map(([, command]) => `  ${command.usage}\n      ${command.summary}`);
  return `Usage: keygate <command> [options]\n\nCommands:\n${lines.join('\n')}\n\n${TARGET}\n\nExit codes: 0 success, 1 the operation failed, 2 usage error.\n`;
}

function commandHelp(command: Command): string {
  return `Usage: ${command.usage}\n\n${command.summary}\n\n${command.help}\n\n${TARGET}\n`;
}

// ---------------------------------------------------------------------------------------------------------------
// keys

async function keysCreate(values: Values, _args: string[], file: string): Promise<{ json: unknown; text: string }> {
  if (values.tenant === undefined) throw new UsageError('missing required --tenant');
  if (values.env === undefined) throw new UsageError('missing required --env (live or test)');
  if (values.env !== 'live' && values.env !== 'test') throw new UsageError(`--env must be "live" or "test", not "${values.env}"`);
  const environment: Environment = values.env;
  const tenant = values.tenant;
  const scopes = values.scopes === undefined ? undefined : parseScopes(values.scopes);
  const rateLimit = values['rate-limit'] === undefined ? undefined : parseRateLimit(values['rate-limit']);
  const expiresAt = values.expires === undefined ? undefined : parseExpires(values.expires);
  if (values.id !== undefined && values.id.trim() === '') throw new OperationError('--id must not be empty');
  return updateKeys(file, (data) => {
    requireTenant(data, tenant);
    const id = values.id ?? newKeyId(data);
    if (data.keys.some((key) => key.id === id)) throw new OperationError(`a key with id "${id}" already exists`);
    const entry: KeysFileEntry = { id, tenant };
    const secret: { key?: string; publicKey?: string; secretKey?: string } = {};
    if (values.pair) {
      const pair = generateKeyPair(environment);
      Object.assign(entry, { publicKey: pair.publicKey, secretKey: pair.secretKey, hint: pair.publicKey.slice(-4) });
      Object.assign(secret, pair);
    } else {
      const { key, keyHash } = generateApiKey(environment);
      Object.assign(entry, { keyHash, environment, hint: key.slice(-4) });
      secret.key = key;
    }
    if (scopes) entry.scopes = scopes;
    if (rateLimit) entry.rateLimit = rateLimit;
    if (expiresAt) entry.expiresAt = expiresAt;
    data.keys.push(entry);
    const kind = values.pair ? 'keypair' : 'basic';
    const json = { id, tenant, environment, kind, ...secret, scopes: scopes ?? null };
    const text = [
      `Created ${kind === 'keypair' ? 'key pair' : 'Basic key'} ${id} for tenant ${tenant} (${environment}).`,
      ...(secret.key ? [`  key:        ${secret.key}`] : [`  publicKey:  ${secret.publicKey}`, `  secretKey:  ${secret.secretKey}`]),
      'Store it now: it is not shown again.',
      '',
    ].join('\n');
    return { json, text };
  });
}

async function keysList(values: Values, _args: string[], file: string): Promise<{ json: unknown; text: string }> {
  const data = readKeys(file);
  if (values.tenant !== undefined && !data.tenants.some((t) => t.id === values.tenant)) {
    throw new OperationError(`unknown tenant "${values.tenant}"; create it with \`keygate tenants create ${values.tenant}\``);
  }
  const rows = data.keys
    .filter((entry) => values.tenant === undefined || entry.tenant === values.tenant)
    .map((entry) => ({
      id: entry.id,
      tenant: entry.tenant,
      environment: environmentOf(entry) ?? null,
      kind: entry.key !== undefined || entry.keyHash !== undefined ? 'basic' : 'keypair',
      scopes: entry.scopes ?? null,
      revoked: entry.revoked === true,
      expiresAt: entry.expiresAt ?? null,
      hint: hintOf(entry),
    }));
  const table = [
    ['ID', 'TENANT', 'ENV', 'KIND', 'SCOPES', 'REVOKED', 'EXPIRES', 'HINT'],
    ...rows.map((row) => [
      row.id,
      row.tenant,
      row.environment ?? '-',
      row.kind,
      row.scopes ? row.scopes.join(',') || '(none)' : '*',
      row.revoked ? 'yes' : 'no',
      row.expiresAt ?? '-',
      row.hint ? `…${row.hint}` : '-',
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const text = rows.length === 0 ? 'No keys.\n' : `${table.map((line) => line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n')}\n`;
  return { json: rows, text };
}

async function keysRevoke(_values: Values, [id]: string[], file: string): Promise<{ json: unknown; text: string }> {
  return updateKeys(file, (data) => {
    const entry = findKey(data, id!);
    entry.revoked = true;
    return { json: { id: entry.id, revoked: true }, text: `Revoked ${entry.id}.\n` };
  });
}

async function keysRotate(values: Values, [id]: string[], file: string): Promise<{ json: unknown; text: string }> {
  const overlapMs = parseOverlap(values.overlap ?? '7d');
  return updateKeys(file, (data) => {
    const entry = findKey(data, id!);
    if (entry.revoked) throw new OperationError(`key "${entry.id}" is revoked; create a new key instead`);
    const now = Date.now();
    const until = now + overlapMs;
    if (entry.publicKey !== undefined) {
      const environment = environmentOf(entry)!;
      const { secretKey } = generateKeyPair(environment);
      const previous = entry.secretKeys ?? [{ secretKey: entry.secretKey! }];
      // Secrets that have ended are dropped; the others end at the latest when the overlap does.
      const kept = previous
        .filter((s) => s.notAfter === undefined || Date.parse(s.notAfter) > now)
        .map((s) => ({ secretKey: s.secretKey, notAfter: iso(Math.min(until, s.notAfter === undefined ? until : Date.parse(s.notAfter))) }));
      delete entry.secretKey;
      entry.secretKeys = [{ secretKey }, ...kept];
      const previousValidUntil = kept.length > 0 ? iso(Math.max(...kept.map((s) => Date.parse(s.notAfter)))) : iso(now);
      return {
        json: { id: entry.id, publicKey: entry.publicKey, secretKey, previousValidUntil },
        text: `Rotated the secret of ${entry.id}.\n  secretKey:  ${secretKey}\nThe previous secret works until ${previousValidUntil}. Store the new one now: it is not shown again.\n`,
      };
    }
    const environment = environmentOf(entry);
    if (environment === undefined) {
      throw new OperationError(`key "${entry.id}" has no "environment" (and its key no prefix), so the new key's cannot be chosen; add "environment" to it`);
    }
    const { key, keyHash } = generateApiKey(environment);
    const newId = newKeyId(data);
    const next: KeysFileEntry = { id: newId, tenant: entry.tenant, keyHash, environment, hint: key.slice(-4) };
    if (entry.scopes) next.scopes = [...entry.scopes];
    if (entry.rateLimit) next.rateLimit = { ...entry.rateLimit };
    const oldEnd = entry.expiresAt === undefined ? until : Math.min(until, Date.parse(entry.expiresAt));
    entry.expiresAt = iso(oldEnd);
    data.keys.splice(data.keys.indexOf(entry) + 1, 0, next);
    const previousValidUntil = entry.expiresAt;
    return {
      json: { id: newId, key, replaces: entry.id, previousValidUntil },
      text: `Created ${newId} to replace ${entry.id}.\n  key:  ${key}\n${entry.id} works until ${previousValidUntil}. Store the new key now: it is not shown again.\n`,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// tenants

function tenantCommand(action: 'create' | 'suspend' | 'activate', summary: string): Command {
  return {
    usage: `keygate tenants ${action} T`,
    summary,
    options: [],
    args: ['T'],
    help: 'Output (--json): { id, status }',
    run: async (_values, [id], file) =>
      updateKeys(file, (data) => {
        const existing = data.tenants.find((tenant) => tenant.id === id);
        let tenant: { id: string; status?: 'active' | 'suspended' };
        if (action === 'create') {
          if (existing) throw new OperationError(`tenant "${id}" already exists`);
          tenant = { id: id!, status: 'active' };
          data.tenants.push(tenant);
        } else {
          if (!existing) throw new OperationError(`unknown tenant "${id}"; create it with \`keygate tenants create ${id}\``);
          tenant = existing;
          tenant.status = action === 'suspend' ? 'suspended' : 'active';
        }
        const status = tenant.status ?? 'active';
        return { json: { id: tenant.id, status }, text: `Tenant ${tenant.id}: ${status}.\n` };
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

function requireTenant(data: KeysFile, tenant: string): void {
  if (!data.tenants.some((t) => t.id === tenant)) {
    throw new OperationError(`unknown tenant "${tenant}"; create it first with \`keygate tenants create ${tenant}\``);
  }
}

function findKey(data: KeysFile, id: string): KeysFileEntry {
  const entry = data.keys.find((key) => key.id === id);
  if (!entry) throw new OperationError(`unknown key id "${id}" (see \`keygate keys list\`)`);
  return entry;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function newKeyId(data: KeysFile): string {
  for (;;) {
    const bytes = randomBytes(32);
    let id = 'key_';
    for (const byte of bytes) {
      if (byte < 248) id += BASE62[byte % 62];
      if (id.length === 20) break;
    }
    if (id.length === 20 && !data.keys.some((key) => key.id === id)) return id;
  }
}

function environmentOf(entry: KeysFileEntry): Environment | undefined {
  if (entry.environment) return entry.environment;
  const match = /^(?:pk|sk)_(live|test)_/.exec(entry.publicKey ?? entry.key ?? '');
  return match ? (match[1] as Environment) : undefined;
}

function hintOf(entry: KeysFileEntry): string | null {
  if (entry.hint !== undefined) return entry.hint.slice(-4);
  const visible = entry.publicKey ?? entry.key;
  return visible !== undefined ? visible.slice(-4) : null;
}

function parseScopes(text: string): string[] {
  const scopes = [...new Set(text.split(',').map((scope) => scope.trim()).filter((scope) => scope !== ''))];
  if (scopes.length === 0) throw new OperationError('--scopes must name at least one scope, such as --scopes payments:read,payments:write');
  return scopes;
}

function parseRateLimit(text: string): { limit: number; windowSeconds: number } {
  const match = /^(\d+)\/(\d+(?:\.\d+)?)s?$/.exec(text.trim());
  const limit = match ? Number(match[1]) : Number.NaN;
  const windowSeconds = match ? Number(match[2]) : Number.NaN;
  if (!Number.isSafeInteger(limit) || limit < 1 || !(windowSeconds > 0)) {
    throw new OperationError(`--rate-limit must be N/Ss with N ≥ 1 and S > 0, such as 100/60s (got "${text}")`);
  }
  return { limit, windowSeconds };
}

const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function parseExpires(text: string): string {
  const parts = ISO_TIME.exec(text);
  const valid =
    parts !== null &&
    Number(parts[2]) >= 1 &&
    Number(parts[2]) <= 12 &&
    Number(parts[3]) >= 1 &&
    Number(parts[3]) <= new Date(Date.UTC(Number(parts[1]), Number(parts[2]), 0)).getUTCDate() &&
    !Number.isNaN(Date.parse(text));
  if (!valid) throw new OperationError(`--expires must be an ISO 8601 time with a time zone, such as 2027-01-31T00:00:00Z (got "${text}")`);
  return text;
}

function parseOverlap(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new OperationError(`--overlap must be a duration such as 30s, 15m, 12h or 7d (got "${text}")`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
