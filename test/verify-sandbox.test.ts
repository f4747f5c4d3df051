import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { which } from '../src/runtime/verify-sandbox.js';
import { startTestFabrica, type TestFabrica } from './support/app.js';

/** The sandbox suites need bubblewrap; CI installs it (.ci/run), and the test runner names the skip. */
const bwrapSkip =
  which('bwrap', process.env.PATH ?? '/usr/bin:/bin') === undefined
    ? 'bwrap is not installed (apt-get install bubblewrap)'
    : false;
const base = '/llm/factory/runs';

/** Host processes running `sleep <seconds>`. */
function sleepers(seconds: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'latin1') === `sleep\0${seconds}\0`;
      } catch {
        return false;
      }
    });
}

async function newRun(f: TestFabrica, token?: string): Promise<string> {
  const r = await f.request('POST', base, {
    body: { source: { kind: 'prompt', content: 'verify me' } },
    ...(token === undefined ? {} : { token }),
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.data.id as string;
}

const verify = (f: TestFabrica, id: string, commands: unknown[], token?: string) =>
  f.request('POST', `${base}/${id}/verify`, {
    body: { commands },
    ...(token === undefined ? {} : { token }),
  });

describe('verification in the bubblewrap sandbox', { skip: bwrapSkip }, () => {
  let f: TestFabrica;
  let id: string;
  let listener: net.Server;
  let connections = 0;
  before(async () => {
    f = await startTestFabrica('sqlite', { FABRICA_CAPABILITIES: 'factory_verify=experimental' });
    mkdirSync(join(f.config.workspaceRoot, 'pkg'), { recursive: true });
    id = await newRun(f);
    listener = net.createServer((s) => {
      connections += 1;
      s.destroy();
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  });
  after(async () => {
    listener.close();
    await f.close();
  });

  it('runs allowed programs confined: writes land in the workspace, the report says bwrap', async () => {
    const r = await verify(f, id, [
      { program: 'sh', args: ['-c', 'echo built > out.txt && cat out.txt && id -u'], cwd: 'pkg' },
      { program: 'node', args: ['-e', 'console.log(process.cwd(), process.env.HOME)'], cwd: 'pkg' },
    ]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const report = r.body.data.report;
    assert.equal(report.sandbox, 'bwrap');
    assert.equal(r.body.data.success, true, JSON.stringify(report.commands));
    const [lines, cwd] = report.commands;
    const [built, uid] = lines.stdout_tail.trim().split('\n');
    assert.equal(built, 'built');
    // As root the command runs as the unprivileged sandbox user; otherwise as the server's own user.
    const expectedUid = process.getuid?.() === 0 ? '65534' : String(process.getuid?.());
    assert.equal(uid, expectedUid);
    assert.ok(existsSync(join(f.config.workspaceRoot, 'pkg', 'out.txt')));
    assert.match(cwd.stdout_tail, /\/pkg /);
    // The audit trail keeps who verified, the outcome and how the commands were confined.
    const audit = await f.request('GET', `/audit?type=verification.completed&subject_id=${id}`);
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    const last = JSON.stringify(audit.body.events?.at(-1) ?? audit.body);
    assert.match(last, /"sandbox":"bwrap"/);
    assert.match(last, /"actor":"admin"/);
  });

  it('every escape fails with the command’s own error and nothing happens on the host', async () => {
    const dataDir = f.target.dataDir;
    const outsideFile = join(dataDir, 'escaped_file');
    const parentFile = join(dirname(f.config.workspaceRoot), 'escaped_parent');
    const r = await verify(f, id, [
      // 0: write outside the workspace by absolute path, and by a relative one from its root
      { program: 'sh', args: ['-c', `echo x > ${outsideFile}`] },
      { program: 'sh', args: ['-c', 'touch ../escaped_parent'] },
      // 2: read the host's secrets
      { program: 'sh', args: ['-c', 'cat /etc/shadow'] },
      // 3: open a socket to a server listening on the host's loopback
      {
        program: 'node',
        args: [
          '-e',
          `require('net').connect(${(listener.address() as net.AddressInfo).port}, '127.0.0.1')` +
            `.on('connect', () => { console.log('connected'); process.exit(0) })` +
            `.on('error', (e) => { console.error(e.code); process.exit(7) })`,
        ],
      },
      // 4: a fork bomb, bounded by the process limit (and the PID namespace ends what it started)
      { program: 'sh', args: ['-c', 'i=0; while [ $i -lt 2000 ]; do sleep 60 & i=$((i+1)); done; wait'] },
      // 5: a program by path, out of the allow-list
      { program: '../../bin/sh', args: ['-c', 'echo escaped > /tmp/escaped'] },
      // 6: write into the system
      { program: 'node', args: ['-e', `require('fs').writeFileSync('/usr/escaped', 'x')`] },
    ]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const c = r.body.data.report.commands;
    assert.equal(r.body.data.success, false);
    assert.notEqual(c[0].exit_code, 0);
    assert.match(c[0].stderr_tail, /Read-only file system|Permission denied|nonexistent directory/);
    assert.notEqual(c[1].exit_code, 0);
    assert.match(c[1].stderr_tail, /Read-only file system|Permission denied/);
    assert.notEqual(c[2].exit_code, 0);
    assert.match(c[2].stderr_tail, /Permission denied|No such file/);
    assert.equal(c[2].stdout_tail, '');
    assert.equal(c[3].exit_code, 7);
    assert.match(c[3].stderr_tail, /ENETUNREACH|ECONNREFUSED|EACCES/);
    assert.notEqual(c[4].exit_code, 0);
    assert.match(c[4].stderr_tail, /fork/i);
    assert.equal(c[4].timed_out, false, 'the process limit, not the timeout, stopped the bomb');
    assert.equal(c[5].exit_code, null);
    assert.match(c[5].error, /^program \.\.\/\.\.\/bin\/sh is not allowed/);
    assert.notEqual(c[6].exit_code, 0);
    assert.match(c[6].stderr_tail, /EROFS|EACCES/);

    assert.equal(existsSync(outsideFile), false);
    assert.equal(existsSync(parentFile), false);
    assert.equal(existsSync('/tmp/escaped'), false);
    assert.equal(existsSync('/usr/escaped'), false);
    assert.equal(connections, 0, 'the host listener saw a connection');
    // Nothing the bomb started outlives the report: the sandbox's PID namespace went with it.
    assert.deepEqual(sleepers('60'), []);
  });

  it('a timeout ends everything in the sandbox, even what left the process group', async () => {
    const r = await verify(f, id, [
      {
        program: 'sh',
        args: ['-c', 'setsid sleep 61 & sleep 61 & sleep 61'],
        timeout_ms: 1000,
      },
    ]);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.data.report.commands[0].timed_out, true);
    assert.deepEqual(sleepers('61'), []);
  });

  it('refuses tenant root tokens: verification is the host operator’s', async () => {
    const root = (await f.request('POST', '/tokens', { body: { tenant: 'ta', access: 'root' } })).body.token;
    const mine = await newRun(f, root);
    const r = await verify(f, mine, [{ program: 'sh', args: ['-c', 'id'] }], root);
    assert.deepEqual([r.status, r.body.code], [403, 'forbidden']);
    assert.match(r.body.message, /admin token/);
  });
});

describe('verification without the sandbox tool', () => {
  let f: TestFabrica;
  before(async () => {
    // The server finds bwrap on its PATH: an empty one plays a host without bubblewrap.
    f = await startTestFabrica('sqlite', {
      FABRICA_CAPABILITIES: 'factory_verify=experimental',
      PATH: '/nonexistent',
    });
  });
  after(() => f.close());

  it('refuses with 503 sandbox_unavailable, says how to install it, and stores nothing', async () => {
    const id = await newRun(f);
    const r = await verify(f, id, [{ program: 'node', args: ['-e', '1'] }]);
    assert.deepEqual([r.status, r.body.code], [503, 'sandbox_unavailable']);
    assert.match(r.body.message, /apt-get install bubblewrap/);
    assert.match(r.body.message, /FABRICA_VERIFY_SANDBOX=none/);
    const artifacts = (await f.request('GET', `${base}/${id}/artifacts`)).body.data;
    assert.deepEqual(artifacts, []);
  });
});

describe('verification with the sandbox turned off by the admin', () => {
  let f: TestFabrica;
  before(async () => {
    f = await startTestFabrica('sqlite', {
      FABRICA_CAPABILITIES: 'factory_verify=experimental',
      FABRICA_VERIFY_SANDBOX: 'none',
      FABRICA_VERIFY_TENANT_ROOT: 'true',
      PATH: process.env.PATH ?? '/usr/bin:/bin',
    });
  });
  after(() => f.close());

  it('says sandbox: none in every report, refuses shells and paths, and lets tenant root verify', async () => {
    const root = (await f.request('POST', '/tokens', { body: { tenant: 'ta', access: 'root' } })).body.token;
    const full = (await f.request('POST', '/tokens', { body: { tenant: 'ta', access: 'full' } })).body.token;
    const id = await newRun(f, root);
    const r = await verify(
      f,
      id,
      [
        { program: 'node', args: ['-e', 'console.log("ran")'] },
        { program: 'sh', args: ['-c', 'echo shell'] },
        { program: process.execPath, args: ['-e', '1'] },
      ],
      root,
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const { report } = r.body.data;
    assert.equal(report.sandbox, 'none');
    assert.equal(report.commands[0].stdout_tail, 'ran\n');
    assert.match(report.commands[1].error, /^program sh is a shell: it runs only inside the sandbox/);
    assert.equal(report.commands[1].stdout_tail, '');
    assert.match(report.commands[2].error, /is not allowed: verification runs only node, npm, npx, git/);
    const stored = (await f.request('GET', `${base}/${id}/artifacts`, { token: root })).body.data;
    assert.equal(stored.find((a: any) => a.artifact_type === 'verification_report').payload.sandbox, 'none');
    assert.equal((await verify(f, id, [{ program: 'node', args: ['-e', '1'] }], full)).status, 403);
  });
});
