import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { graphVersionSchema } from '../core/graph-version.js';

/** The shortest retention: webhook retries (Shopify's run for 48 hours) and Meta's 7-day window need the rows to deduplicate. */
export const MIN_RETENTION_DAYS = 7;

// A DNS name: dot-separated labels of letters, digits and inner hyphens (RFC 1123), at most 253 characters;
// underscores too, which resolvers take and container names (docker compose services) use.
const HOST_NAME = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;

/** An IP address, or an IPv4/IPv6 CIDR with a prefix in range: what node:net's BlockList takes for trustedProxies. */
function isIpOrCidr(entry: string): boolean {
  const [addr = '', bits, ...more] = entry.split('/');
  const kind = isIP(addr);
  if (kind === 0 || more.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (kind === 4 ? 32 : 128));
}

/** The Graph API and the relay's public address are reached over HTTP: another scheme would fail only at the first use. */
const httpUrl = z.string().url().regex(/^https?:\/\//i, 'must be an http:// or https:// URL');

/**
 * Every setting, its type and default, in one schema: the type and the runtime check come from here. Whatever
 * can be known wrong from the settings alone is refused here, before `serve` opens (or migrates) the database.
 */
export const configSchema = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(8080),
    host: z
      .string()
      .refine((h) => isIP(h) !== 0 || HOST_NAME.test(h), 'must be an IP address or a host name (0.0.0.0: every IPv4 interface)')
      .default('0.0.0.0'),
    dataDir: z.string().min(1).default('./data'),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for embedded SQLite)')
      .refine((u) => URL.canParse(u), 'is not a valid URL: postgres://user:password@host:5432/database (percent-encode special characters)')
      .optional(),
    graphUrl: httpUrl.default('https://graph.facebook.com'),
    /** The default for every pixel without its own version, so it is checked exactly like a pixel's. */
    graphVersion: graphVersionSchema.default('v24.0'),
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    encryptionKey: z
      .string()
      .regex(/^[A-Za-z0-9+/]{43}=$/, 'must be 32 bytes in base64 (openssl rand -base64 32)')
      .optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    maxEventsPerRequest: z.coerce.number().int().min(1).max(1000).default(1000),
    bodyLimitBytes: z.coerce.number().int().min(1024).default(5 * 1024 * 1024),
    /** A request's headers and whole body must arrive within this, else 408 and the connection is closed. */
    requestTimeoutMs: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    // Not z.coerce.boolean(): it reads the string "false" from the environment as true.
    /**
     * How long the first ingest call of a group waits for concurrent ones to share its commit (0: only those of the
     * same turn of the event loop). Every call is answered after its commit, so this adds at most this much latency.
     */
    ingestCommitWaitMs: z.coerce.number().int().min(0).max(100).default(2),
    deliveryEnabled: z
      .union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')])
      .default(true),
    /** Public base URL of the relay, used to print webhook URLs (default http://localhost:<port>). */
    publicUrl: httpUrl.optional(),
    deliveryLeaseMs: z.coerce.number().int().min(1000).default(15_000),
    /** Batches in flight per pixel: 2 lets the store prepare the next batch while Meta answers the last. */
    deliveryConcurrency: z.coerce.number().int().min(1).max(16).default(2),
    /** Sends of one event before it is marked dead (replayable with `capi-relay replay`). */
    deliveryMaxAttempts: z.coerce.number().int().min(1).max(100).default(10),
    /** Proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed for the browser's IP. */
    trustedProxies: z
      .preprocess(
        (v) => (typeof v === 'string' ? v.split(',').map((x) => x.trim()).filter((x) => x !== '') : v),
        z.array(z.string().refine(isIpOrCidr, { error: (issue) => `"${String(issue.input)}" is not an IP address or CIDR (address/prefix); separate entries with commas` })),
      )
      .default([]),
    /** Browser events per minute per IP and tenant on POST /v1/collect (burst: the same number). */
    collectRatePerMinute: z.coerce.number().int().min(1).default(120),
    /**
     * Days the relay keeps events, click ids and orders (GDPR storage limitation); `serve` purges hourly, and
     * an event still waiting to be sent is kept until Meta's window has closed on it. 0 keeps everything. At
     * least 7: webhook retries (Shopify's run for 48 hours) and Meta's 7-day window need the rows to deduplicate.
     */
    retentionDays: z.coerce.number().int().refine((n) => n === 0 || n >= MIN_RETENTION_DAYS, `must be 0 (keep everything) or at least ${MIN_RETENTION_DAYS}`).default(90),
    /** Dashboard sign-in password (the admin token also works); unset with no adminToken = dashboard off. */
    adminPassword: z.string().min(12, 'must be at least 12 characters').optional(),
    /** Largest distance between a webhook's signed timestamp (Stripe, generic) and the relay clock. */
    webhookToleranceSeconds: z.coerce.number().int().min(30).max(3600).default(300),
  })
  .strict()
  .superRefine((c, ctx) => {
    // Several nodes share PostgreSQL, so none may generate its own key: refused here, not after the migrations ran.
    if (c.databaseUrl !== undefined && c.encryptionKey === undefined) {
      ctx.addIssue({ code: 'custom', path: ['encryptionKey'], message: 'is required with PostgreSQL (databaseUrl is set): every node must share it (openssl rand -base64 32)' });
    }
  });

export type Config = Readonly<z.infer<typeof configSchema>>;
export type ConfigInput = z.input<typeof configSchema>;

/** Environment variable for each setting: CAPI_RELAY_ + the name in upper snake case. */
export const ENV_NAMES: Record<keyof ConfigInput, string> = {
  port: 'CAPI_RELAY_PORT',
  host: 'CAPI_RELAY_HOST',
  dataDir: 'CAPI_RELAY_DATA_DIR',
  databaseUrl: 'CAPI_RELAY_DATABASE_URL',
  graphUrl: 'CAPI_RELAY_GRAPH_URL',
  graphVersion: 'CAPI_RELAY_GRAPH_VERSION',
  adminToken: 'CAPI_RELAY_ADMIN_TOKEN',
  encryptionKey: 'CAPI_RELAY_ENCRYPTION_KEY',
  logLevel: 'CAPI_RELAY_LOG_LEVEL',
  maxEventsPerRequest: 'CAPI_RELAY_MAX_EVENTS_PER_REQUEST',
  bodyLimitBytes: 'CAPI_RELAY_BODY_LIMIT_BYTES',
  requestTimeoutMs: 'CAPI_RELAY_REQUEST_TIMEOUT_MS',
  ingestCommitWaitMs: 'CAPI_RELAY_INGEST_COMMIT_WAIT_MS',
  deliveryEnabled: 'CAPI_RELAY_DELIVERY_ENABLED',
  publicUrl: 'CAPI_RELAY_PUBLIC_URL',
  deliveryLeaseMs: 'CAPI_RELAY_DELIVERY_LEASE_MS',
  deliveryConcurrency: 'CAPI_RELAY_DELIVERY_CONCURRENCY',
  deliveryMaxAttempts: 'CAPI_RELAY_DELIVERY_MAX_ATTEMPTS',
  trustedProxies: 'CAPI_RELAY_TRUSTED_PROXIES',
  collectRatePerMinute: 'CAPI_RELAY_COLLECT_RATE_PER_MINUTE',
  adminPassword: 'CAPI_RELAY_ADMIN_PASSWORD',
  retentionDays: 'CAPI_RELAY_RETENTION_DAYS',
  webhookToleranceSeconds: 'CAPI_RELAY_WEBHOOK_TOLERANCE_SECONDS',
};

/** The settings the CLI also takes as flags (`serve --port`, `--data-dir` on every store command …); the rest are env or file only. */
export const FLAG_SETTINGS: ReadonlySet<string> = new Set(['port', 'host', 'dataDir', 'databaseUrl', 'graphUrl']);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function fromEnv(env: NodeJS.ProcessEnv): Partial<ConfigInput> {
  const out: Record<string, string> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const value = env[name];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out as Partial<ConfigInput>;
}

function fromFile(path: string | undefined): Partial<ConfigInput> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`config file ${path}: cannot be read (${(err as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path}: not valid JSON (${(err as Error).message})`);
  }
  // Spread below, an array or a string would turn into settings named "0", "1" …, and null into none at all.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path}: not a JSON object of settings (e.g. {"port": 8080})`);
  }
  return parsed as Partial<ConfigInput>;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Resolves the configuration once: flags > environment > config file > defaults.
 * A bad value stops the boot with a message naming the setting and where it came from.
 */
export function loadConfig(opts: {
  flags?: Partial<ConfigInput>;
  env?: NodeJS.ProcessEnv;
  configFile?: string;
}): Config {
  const env = opts.env ?? {};
  const configFile = opts.configFile ?? env.CAPI_RELAY_CONFIG;
  const merged = { ...fromFile(configFile), ...fromEnv(env), ...dropUndefined(opts.flags ?? {}) };
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '');
      const where = key in ENV_NAMES ? ` (${FLAG_SETTINGS.has(key) ? `flag --${kebab(key)} or ` : ''}${ENV_NAMES[key as keyof ConfigInput]})` : '';
      return issue.code === 'unrecognized_keys'
        ? `unknown setting(s) ${issue.keys.join(', ')} in the config file`
        : `setting ${key}${where}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return Object.freeze(parsed.data);
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
