// The Python adapters (integrations/python, stdlib only) against real servers: two
// `lmm-gym serve` instances on 127.0.0.1 (sessions sharded across them), with a token.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../index.js';

const ROOT = join(__dirname, '..', '..');
const probe = spawnSync('python3', ['-c', 'import sys; print(sys.version_info >= (3, 10))'], { encoding: 'utf8' });
const python = probe.status === 0 && probe.stdout.trim() === 'True';
if (!python) console.warn('[python.test] skipped: python3 >= 3.10 is not on PATH (scripts/setup-system.sh installs it)');

const TOKEN = 'python-test-token';
let servers: RunningServer[] = [];

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    // Asynchronous: the servers live in this process and must keep answering.
    const child = spawn(cmd, args, { cwd: ROOT, env });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe.skipIf(!python)('Python adapters (python3 -m unittest)', () => {
  beforeAll(async () => {
    servers = await Promise.all([0, 1].map((i) => startServer({ port: 0, token: TOKEN, idPrefix: `w${i}-`, log: () => {} })));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  it('client, OpenRLHF agent and verl interaction pass their tests', async () => {
    const env = { ...process.env, LMM_GYM_URLS: servers.map((s) => s.url).join(','), LMM_GYM_TOKEN: TOKEN, PYTHONDONTWRITEBYTECODE: '1' };
    const r = await run('python3', ['-m', 'unittest', 'discover', '-s', 'integrations/python/tests', '-v'], env);
    expect(r.out).not.toMatch(/skipped/);
    expect(r.out).toMatch(/Ran (\d+) tests/);
    expect(Number(/Ran (\d+) tests/.exec(r.out)![1])).toBeGreaterThanOrEqual(9);
    expect(r.out, r.out).toMatch(/\nOK\s*$/);
    expect(r.code).toBe(0);
    // Both servers were used, and every session was closed again.
    for (const s of servers) {
      expect(s.service.totals.created).toBeGreaterThan(0);
      expect(s.service.size).toBe(0);
    }
  });
});
