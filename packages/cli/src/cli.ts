import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { generateApiKey, generateKeyPair } from '@keygate/core';
import { type DatabaseCommands, databaseTarget } from './database-target.js';
import { OperationError, UsageError } from './errors.js';
import { fileTarget } from './file-target.js';
import type { Environment, KeysTarget } from './target.js';

type Output = { json: unknown; text: string };

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
const TARGET = `Target (the flags first, then $KEYGATE_DATABASE_URL, then $KEYGATE_KEYS, then ./keys.json):
  --file PATH      a keys file (created if missing)
  --database URL   PostgreSQL, postgres://user:password@host:5432/db (schema \`keygate\`, or $KEYGATE_DATABASE_SCHEMA);
                   key-pair secrets are encrypted under $KEYGATE_ENCRYPTION_KEY (base64 of 32 bytes)
  --json           print one JSON value
  -h, --help       this help`;

interface Command {
  usage: string;
  summary: string;
  options: string[];
  /** Names of the positional arguments (each required). */
  args: string[];
  help: string;
  /** Only on PostgreSQL (`db` commands). */
  databaseOnly?: boolean;
  run(values: Values, args: string[], target: KeysTarget & Partial<DatabaseCommands>): Promise<Output>;
}

const COMMANDS: Record<string, Command> = {
  'keys create': {
    usage:
      'keygate keys create --tenant T --env live|test [--pair] [--scopes a,b] [--rate-limit N/Ss] [--expires ISO] [--id ID]',
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
    summary: 'rotate a key: a pair gets a new secret, a Basic key a new key; the old one works for --overlap',
    options: ['overlap'],
    args: ['ID'],
    help: `  --overlap D   how long the old secret or key keeps working: 30s, 15m, 12h, 7d (default 7d)
Output (--json): pair { id, publicKey, secretKey, previousValidUntil };
                 Basic { id (the new key's), key, replaces, previousValidUntil }`,
    run: keysRotate,
  },
  'tenants create': tenantCommand('create', 'create an active tenant'),
  'tenants suspend': tenantCommand('suspend', 'suspend a tenant (its keys are refused)'),
  'tenants activate': tenantCommand('activate', 'activate a suspended tenant'),
  'db migrate': {
    usage: 'keygate db migrate --database URL',
    summary:
      'create or upgrade the keygate schema in PostgreSQL (idempotent; safe to run from several processes at once)',
    options: [],
    args: [],
    databaseOnly: true,
    help: 'Output (--json): { migrated: true, version }',
    run: async (_values, _args, target) => {
      const { version } = await target.migrate!();
      return { json: { migrated: true, version }, text: `Schema migrated to version ${version}.\n` };
    },
  },
  'db reseal': {
    usage: 'keygate db reseal --database URL',
    summary:
      'after a change of KEYGATE_ENCRYPTION_KEY: re-encrypt every key-pair secret under it (the old key in KEYGATE_PREVIOUS_ENCRYPTION_KEYS)',
    options: [],
    args: [],
    databaseOnly: true,
    help: 'Output (--json): { resealed: N }',
    run: async (_values, _args, target) => {
      const { resealed } = await target.reseal!();
      return {
        json: { resealed },
        text: `Re-encrypted ${resealed} secret${resealed === 1 ? '' : 's'} under KEYGATE_ENCRYPTION_KEY.\n`,
      };
    },
  },
  'db import': {
    usage: 'keygate db import PATH --database URL',
    summary:
      'copy the tenants and keys of a keys file into PostgreSQL (one transaction; an existing key id refuses it all)',
    options: [],
    args: ['PATH'],
    databaseOnly: true,
    help: `Tenants already in the database are kept as they are. Clear Basic keys are stored as their hash only and
pair secrets encrypted (KEYGATE_ENCRYPTION_KEY). Output (--json): { imported: { tenants, keys } }`,
    run: async (_values, [path], target) => {
      const imported = await target.importFile!(resolve(path!));
      return { json: { imported }, text: `Imported ${imported.tenants} tenant(s) and ${imported.keys} key(s).\n` };
    },
  },
};

const GROUPS = ['keys', 'tenants', 'db'];

/** Runs one command line; returns the exit code (0 success, 1 operation failed, 2 usage error). */
export async function main(
  argv: string[],
  io: { out: (text: string) => void; err: (text: string) => void } = defaultIo(),
): Promise<number> {
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
      if (!COMMON.includes(option) && !command.options.includes(option))
        throw new UsageError(`"${name}" has no option --${option}`, name);
    }
    if (args.length < command.args.length)
      throw new UsageError(`missing ${command.args.slice(args.length).join(' ')}`, name);
    if (args.length > command.args.length)
      throw new UsageError(`unexpected argument "${args[command.args.length]}"`, name);
    const target = targetOf(values, command, name);
    try {
      const { json, text } = await command.run(values, args, target);
      io.out(values.json ? `${JSON.stringify(json, null, 2)}\n` : text);
    } finally {
      await target.close().catch(() => {});
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      const command = error.command ?? name;
      io.err(
        `keygate: ${error.message}\nUsage: ${command ? COMMANDS[command]!.usage : 'keygate <keys|tenants|db> <command> [options]'}\nRun \`keygate ${command ?? ''}${command ? ' ' : ''}--help\` for help.\n`,
      );
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

/** `--file` or `--database` (not both), else `$KEYGATE_DATABASE_URL`, else `$KEYGATE_KEYS`, else ./keys.json. */
function targetOf(values: Values, command: Command, name: string): ReturnType<typeof databaseTarget> | KeysTarget {
  if (values.file !== undefined && values.database !== undefined)
    throw new UsageError('give --file or --database, not both', name);
  const url =
    values.file !== undefined ? undefined : (values.database ?? (process.env.KEYGATE_DATABASE_URL || undefined));
  if (url === undefined) {
    if (command.databaseOnly)
      throw new UsageError(`"${name}" works on PostgreSQL only: give --database URL or set KEYGATE_DATABASE_URL`, name);
    return fileTarget(resolve(values.file ?? (process.env.KEYGATE_KEYS || 'keys.json')));
  }
  if (url === '') throw new UsageError('--database needs a URL such as postgres://user@localhost:5432/db', name);
  return databaseTarget(url, process.env.KEYGATE_DATABASE_SCHEMA || undefined);
}

function defaultIo() {
  return {
    out: (text: string) => void process.stdout.write(text),
    err: (text: string) => void process.stderr.write(text),
  };
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

async function keysCreate(values: Values, _args: string[], target: KeysTarget): Promise<Output> {
  if (values.tenant === undefined) throw new UsageError('missing required --tenant');
  if (values.env === undefined) throw new UsageError('missing required --env (live or test)');
  if (values.env !== 'live' && values.env !== 'test')
    throw new UsageError(`--env must be "live" or "test", not "${values.env}"`);
  const environment: Environment = values.env;
  const tenant = values.tenant;
  const scopes = values.scopes === undefined ? undefined : parseScopes(values.scopes);
  const rateLimit = values['rate-limit'] === undefined ? undefined : parseRateLimit(values['rate-limit']);
  const expiresAt = values.expires === undefined ? undefined : parseExpires(values.expires);
  if (values.id !== undefined && values.id.trim() === '') throw new OperationError('--id must not be empty');
  const id = values.id ?? newKeyId();
  const secret: { key?: string; publicKey?: string; secretKey?: string } = {};
  if (values.pair) {
    const pair = generateKeyPair(environment);
    Object.assign(secret, pair);
    await target.createKey({
      id,
      tenant,
      environment,
      hint: pair.publicKey.slice(-4),
      ...pair,
      scopes,
      rateLimit,
      expiresAt,
    });
  } else {
    const { key, keyHash } = generateApiKey(environment);
    secret.key = key;
    await target.createKey({ id, tenant, environment, hint: key.slice(-4), keyHash, scopes, rateLimit, expiresAt });
  }
  const kind = values.pair ? 'keypair' : 'basic';
  const json = { id, tenant, environment, kind, ...secret, scopes: scopes ?? null };
  const text = [
    `Created ${kind === 'keypair' ? 'key pair' : 'Basic key'} ${id} for tenant ${tenant} (${environment}).`,
    ...(secret.key
      ? [`  key:        ${secret.key}`]
      : [`  publicKey:  ${secret.publicKey}`, `  secretKey:  ${secret.secretKey}`]),
    'Store it now: it is not shown again.',
    '',
  ].join('\n');
  return { json, text };
}

async function keysList(values: Values, _args: string[], target: KeysTarget): Promise<Output> {
  const rows = await target.listKeys(values.tenant);
  const table = [
    ['ID', 'TENANT', 'ENV', 'KIND', 'SCOPES', 'REVOKED', 'EXPIRES', 'HINT'],
    ...rows.map((row) =>
      [
        row.id,
        row.tenant,
        row.environment ?? '-',
        row.kind,
        row.scopes ? row.scopes.join(',') || '(none)' : '*',
        row.revoked ? 'yes' : 'no',
        row.expiresAt ?? '-',
        row.hint ? `…${row.hint}` : '-',
      ].map(printable),
    ),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  const text =
    rows.length === 0
      ? 'No keys.\n'
      : `${table
          .map((line) =>
            line
              .map((cell, i) => cell.padEnd(widths[i]!))
              .join('  ')
              .trimEnd(),
          )
          .join('\n')}\n`;
  return { json: rows, text };
}

async function keysRevoke(_values: Values, [id]: string[], target: KeysTarget): Promise<Output> {
  await target.revokeKey(id!);
  return { json: { id, revoked: true }, text: `Revoked ${id}.\n` };
}

async function keysRotate(values: Values, [id]: string[], target: KeysTarget): Promise<Output> {
  const overlapMs = parseOverlap(values.overlap ?? '7d');
  const until = Date.now() + overlapMs;
  const { kind, environment } = await target.keyKind(id!);
  if (kind === 'keypair') {
    const { secretKey } = generateKeyPair(environment ?? 'live');
    const { publicKey, previousValidUntil } = await target.rotatePair(id!, secretKey, until);
    return {
      json: { id, publicKey, secretKey, previousValidUntil },
      text: `Rotated the secret of ${id}.\n  secretKey:  ${secretKey}\nThe previous secret works until ${previousValidUntil}. Store the new one now: it is not shown again.\n`,
    };
  }
  // A Basic key without an environment is refused by the target, naming the field.
  const { key, keyHash } = generateApiKey(environment ?? 'live');
  const newId = newKeyId();
  const { previousValidUntil } = await target.rotateBasic(id!, { id: newId, keyHash, hint: key.slice(-4) }, until);
  return {
    json: { id: newId, key, replaces: id, previousValidUntil },
    text: `Created ${newId} to replace ${id}.\n  key:  ${key}\n${id} works until ${previousValidUntil}. Store the new key now: it is not shown again.\n`,
  };
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
    run: async (_values, [id], target) => {
      const tenant =
        action === 'create'
          ? await target.createTenant(id!)
          : await target.setTenantStatus(id!, action === 'suspend' ? 'suspended' : 'active');
      return { json: tenant, text: `Tenant ${tenant.id}: ${tenant.status}.\n` };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

/**
 * A value for the terminal: control characters as `\xHH`. Ids, tenants and scopes may have been written by others
 * (SQL, an admin tool, an imported file), and an escape sequence among them must not drive the operator's terminal.
 */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `key_` + 16 base62 characters from the CSPRNG (95 bits: the target still refuses a duplicate). */
function newKeyId(): string {
  let id = 'key_';
  while (id.length < 20) {
    for (const byte of randomBytes(32)) {
      if (byte < 248) id += BASE62[byte % 62];
      if (id.length === 20) break;
    }
  }
  return id;
}

function parseScopes(text: string): string[] {
  const scopes = [
    ...new Set(
      text
        .split(',')
        .map((scope) => scope.trim())
        .filter((scope) => scope !== ''),
    ),
  ];
  if (scopes.length === 0)
    throw new OperationError('--scopes must name at least one scope, such as --scopes payments:read,payments:write');
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
  if (!valid)
    throw new OperationError(
      `--expires must be an ISO 8601 time with a time zone, such as 2027-01-31T00:00:00Z (got "${text}")`,
    );
  return text;
}

function parseOverlap(text: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(text.trim());
  if (!match) throw new OperationError(`--overlap must be a duration such as 30s, 15m, 12h or 7d (got "${text}")`);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
