import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, type TestDatabase } from '../helpers/databases.js';
import { cli, cliEnv, runCli } from '../helpers/processes.js';

describe('capi-relay snippet set --cookie-domain, and no per-source event_id template', () => {
  let db: TestDatabase;
  let env: NodeJS.ProcessEnv;
  let tenantId: string;

  beforeAll(async () => {
    db = await dialects[0]!.create();
    env = cliEnv(db);
    tenantId = (JSON.parse(await cli(env, 'tenants', 'create', '--name', 'Cookie Store', '--json')) as { id: string }).id;
  });
  afterAll(async () => db?.cleanup());

  it('sets the cookie domain, shows it, and goes back to automatic', async () => {
    expect(JSON.parse(await cli(env, 'snippet', 'set', '--tenant', tenantId, '--cookie-domain', '.Example.co.uk', '--json'))).toEqual({ loadPixel: false, cookieDomain: 'example.co.uk' });
    expect(await cli(env, 'snippet', 'show', '--tenant', tenantId)).toContain('cookie domain: example.co.uk');
    const bad = await runCli(env, ['snippet', 'set', '--tenant', tenantId, '--cookie-domain', 'https://example.co.uk/']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--cookie-domain: cookieDomain must be a domain name');
    expect(JSON.parse(await cli(env, 'snippet', 'set', '--tenant', tenantId, '--cookie-domain', 'auto', '--json'))).toEqual({ loadPixel: false, cookieDomain: null });
  });

  it('refuses sources add --event-id-template, naming the store\'s one template', async () => {
    const res = await runCli(env, ['sources', 'add', '--tenant', tenantId, '--platform', 'shopify', '--secret', 's', '--event-id-template', 'x-{order_id}']);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('eventIdTemplates.Purchase');
  });
});
