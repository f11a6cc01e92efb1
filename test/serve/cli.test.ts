// `lmm-gym serve` as a process: prints its URL, serves, drains and exits 0 on SIGINT;
// bad flags exit 1 with a message.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const CLI = join(__dirname, '../../dist/cli/main.js');

describe('lmm-gym serve (process)', () => {
  it('serves on a loopback port and exits cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--token', 'abcdefgh123'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stderr.on('data', (d) => { err += d; });
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+) \(bearer token required\)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${err}`)));
    });
    const h = await fetch(`${url}/health`, { headers: { authorization: 'Bearer abcdefgh123' } });
    expect((await h.json()).status).toBe('ok');
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exit).toBe(0);
    expect(err).toMatch(/SIGINT: draining/);
    expect(err).toMatch(/stopped/);
  });

  it('lmm-gym/serve alone registers the envs and their prompt specs', () => {
    const code = `const m = await import(${JSON.stringify(join(__dirname, '../../dist/serve/index.js'))});
const svc = new m.EnvService();
const { ids } = svc.create({ sessions: [{ env: 'Sokoban-v0' }] });
console.log(svc.systemPrompt({ ids }).prompts[0]);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/You are the player in a warehouse/);
  });

  it('refuses bad flags', () => {
    const short = spawnSync(process.execPath, [CLI, 'serve', '--token', 'abc'], { encoding: 'utf8' });
    expect(short.status).toBe(1);
    expect(short.stderr).toMatch(/--token must be at least 8 characters/);
    const workers = spawnSync(process.execPath, [CLI, 'serve', '--workers', '2', '--port', '0'], { encoding: 'utf8' });
    expect(workers.status).toBe(1);
    expect(workers.stderr).toMatch(/needs a fixed --port/);
  });
});
