// Env server benchmark (issue 15): `lmm-gym serve` in a child process on 127.0.0.1, 64
// concurrent keep-alive clients each stepping its own Sokoban session in image step mode
// (one PNG per step), for BENCH_SERVE_SECONDS (default 60). Reports steps/s, p50/p99
// latency, errors, server RSS at start and end; then a 10k-session create/close soak; then
// (when python3 is there) the same step workload through the Python client for
// BENCH_SERVE_PYTHON_SECONDS (default 10; 0 skips it). A batched run (8 clients x 8 sessions
// per request, half the time) shows the per-request HTTP cost. BENCH_SERVE_WORKERS=N serves with --workers N.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { machine, report } from './util.js';

const CLIENTS = 64;
const ACTIONS = ['up', 'right', 'down', 'left', 'up', 'up', 'left', 'down'];

interface Server { child: ChildProcess; urls: string[] }

async function startServer(workers: number): Promise<Server> {
  const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const port = workers > 1 ? 18_700 : 0;
  const child = spawn(process.execPath, [cli, 'serve', '--port', String(port), '--workers', String(workers), '--max-sessions', '20000'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const urls: string[] = [];
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (const m of buf.matchAll(/listening on (http:\/\/\S+)/g)) if (!urls.includes(m[1]!)) urls.push(m[1]!);
      if (urls.length === workers) resolve();
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, urls };
}

const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS * 2 });

function post(url: string, path: string, body: unknown): Promise<{ status: number; json: any }> {
  const data = body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const req = request({ host: u.hostname, port: u.port, path: u.pathname, method: body === undefined ? 'GET' : 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': data.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try { resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }); } catch (e) { reject(e); }
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : data);
  });
}
const health = async (url: string) => (await post(url, '/health', undefined)).json as { rss_bytes: number; sessions: number; cpu_s: number };
const cpuS = async (urls: string[]) => (await Promise.all(urls.map(health))).reduce((a, h) => a + h.cpu_s, 0);
const rssMb = async (urls: string[]) => (await Promise.all(urls.map(health))).reduce((a, h) => a + h.rss_bytes, 0) / 2 ** 20;

/** `clients` concurrent loops, each stepping `batch` sessions per request (one PNG per session per step). */
async function stepLoad(urls: string[], seconds: number, clients = CLIENTS, batch = 1) {
  const groups: { url: string; ids: string[] }[] = [];
  for (let c = 0; c < clients; c++) {
    const url = urls[c % urls.length]!;
    const r = await post(url, '/sessions', { sessions: Array.from({ length: batch }, (_, i) => ({ env: 'Sokoban-v0', mode: 'image', interaction: 'step', seed: c * batch + i })) });
    groups.push({ url, ids: r.json.ids });
    await post(url, '/reset', { items: r.json.ids.map((id: string) => ({ id })) });
  }
  const latencies: number[] = [];
  let steps = 0, allSteps = 0, errors = 0, imageBytes = 0;
  const end = performance.now() + seconds * 1000;
  const warmEnd = performance.now() + Math.min(2, seconds / 5) * 1000;
  let t0 = 0;
  await Promise.all(groups.map(async (g, c) => {
    let k = c;
    while (performance.now() < end) {
      const start = performance.now();
      try {
        const action = `<think>move</think><answer>${ACTIONS[k++ % ACTIONS.length]}</answer>`;
        const r = await post(g.url, '/step', { items: g.ids.map((id) => ({ id, action })) });
        if (r.status !== 200) { errors++; continue; }
        const results = r.json.results as { id: string; done: boolean; observation: { images: string[] } }[];
        allSteps += results.length;
        if (start >= warmEnd) {
          latencies.push(performance.now() - start);
          steps += results.length;
          for (const res of results) imageBytes += res.observation.images[0]?.length ?? 0;
          if (t0 === 0) t0 = start;
        }
        const done = results.filter((x) => x.done).map((x) => ({ id: x.id }));
        if (done.length) await post(g.url, '/reset', { items: done });
      } catch {
        errors++;
      }
    }
  }));
  const elapsed = (performance.now() - t0) / 1000;
  for (const g of groups) await post(g.url, '/close', { ids: g.ids });
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  return { stepsPerSec: steps / elapsed, p50: pct(0.5), p99: pct(0.99), errors, steps, allSteps, meanImageB64: imageBytes / Math.max(1, steps) };
}

async function soak(urls: string[], total: number, batch: number) {
  for (let done = 0; done < total; done += batch) {
    const url = urls[(done / batch) % urls.length]!;
    const c = await post(url, '/sessions', { sessions: Array.from({ length: batch }, (_, i) => ({ env: 'Sokoban-v0', mode: 'image', seed: done + i })) });
    await post(url, '/reset', { items: c.json.ids.map((id: string) => ({ id })) });
    await post(url, '/close', { ids: c.json.ids });
  }
}

const PY_LOAD = `
import os, sys, threading, time
sys.path.insert(0, sys.argv[1])
from lmm_gym_client import LmmGymClient
urls = sys.argv[2].split(','); seconds = float(sys.argv[3]); n = int(sys.argv[4])
acts = ['up', 'right', 'down', 'left', 'up', 'up', 'left', 'down']
lat = []; lock = threading.Lock(); stop = time.perf_counter() + seconds
def worker(c):
    cl = LmmGymClient(urls)
    h = cl.create([{'env': 'Sokoban-v0', 'mode': 'image', 'seed': c}]); cl.reset(h); k = c
    while time.perf_counter() < stop:
        t = time.perf_counter(); r = cl.step([(h[0], '<think>m</think><answer>%s</answer>' % acts[k % 8])])[0]; k += 1
        with lock: lat.append(time.perf_counter() - t)
        if r['done']: cl.reset(h)
    cl.close(h)
ts = [threading.Thread(target=worker, args=(c,)) for c in range(n)]
t0 = time.perf_counter(); [t.start() for t in ts]; [t.join() for t in ts]; el = time.perf_counter() - t0
lat.sort(); print(len(lat) / el, lat[len(lat) // 2] * 1000, lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000)
`;

export async function run(): Promise<void> {
  const seconds = Number(process.env.BENCH_SERVE_SECONDS ?? 60);
  const pySeconds = Number(process.env.BENCH_SERVE_PYTHON_SECONDS ?? 10);
  const workers = Number(process.env.BENCH_SERVE_WORKERS ?? 1);
  console.log(`machine: ${machine()}; ${CLIENTS} loopback clients, Sokoban-v0 6x6 image step mode, ${seconds} s, ${workers} server process(es)`);
  const server = await startServer(workers);
  try {
    report('server RSS at start (MiB)', await rssMb(server.urls), 'MiB');
    const cpu0 = await cpuS(server.urls);
    const r = await stepLoad(server.urls, seconds);
    const cpu = (await cpuS(server.urls)) - cpu0;
    report('image steps/s (64 clients, one item per request)', r.stepsPerSec, 'steps/s');
    report('step latency p50', r.p50, 'ms');
    report('step latency p99', r.p99, 'ms');
    report('errors', r.errors, '');
    report('server CPU per image step (incl. session set-up)', (cpu * 1e6) / r.allSteps, 'us');
    report('=> image steps per server CPU-second', r.allSteps / cpu, 'steps/s');
    report('mean image size (base64 chars)', r.meanImageB64, 'chars');
    report('server RSS after the step load (MiB)', await rssMb(server.urls), 'MiB');
    const bcpu0 = await cpuS(server.urls);
    const b = await stepLoad(server.urls, Math.max(2, seconds / 2), 8, 8);
    const bcpu = (await cpuS(server.urls)) - bcpu0;
    report('batched: 8 clients x 8 sessions per request: steps/s', b.stepsPerSec, 'steps/s');
    report('batched: request latency p50', b.p50, 'ms');
    report('batched: request latency p99', b.p99, 'ms');
    report('batched: errors', b.errors, '');
    report('batched: image steps per server CPU-second', b.allSteps / bcpu, 'steps/s');
    const before = await rssMb(server.urls);
    await soak(server.urls, 10_000, 100);
    report('soak: 10k image sessions created/reset/closed, RSS before', before, 'MiB');
    report('soak: RSS after', await rssMb(server.urls), 'MiB');
    report('soak: open sessions after', (await Promise.all(server.urls.map(health))).reduce((a, h) => a + h.sessions, 0), '');
    if (pySeconds > 0 && spawnSync('python3', ['--version']).status === 0) {
      const py = fileURLToPath(new URL('../../integrations/python', import.meta.url));
      const out = spawnSync('python3', ['-c', PY_LOAD, py, server.urls.join(','), String(pySeconds), String(CLIENTS)], { encoding: 'utf8' });
      const [sps, p50, p99] = out.stdout.trim().split(/\s+/).map(Number);
      if (out.status === 0 && sps !== undefined) {
        report(`Python client (64 threads, urllib, ${pySeconds} s): steps/s`, sps, 'steps/s');
        report('Python client step latency p50', p50!, 'ms');
        report('Python client step latency p99', p99!, 'ms');
      } else console.log(`Python client load failed: ${out.stderr.slice(0, 300)}`);
    }
  } finally {
    server.child.kill('SIGINT');
    await new Promise((r) => server.child.once('exit', r));
  }
}
