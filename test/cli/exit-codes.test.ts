import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { runCli } from '../../src/cli/program.js';
import { closedPort, loggedIn, runSup, ScriptedServer, startServer, tempDir } from './harness.js';


function oneLine(stderr: string): void {
  assert.match(stderr, /^sup: [^\n]+\n$/, `exactly one line starting "sup: ": ${JSON.stringify(stderr)}`);
}

describe('exit codes', { timeout: 10_000 }, () => {
  describe('3: network', () => {
    for (const args of [['send', 'bob', 'hi'], ['status', 'bob'], ['contacts'], ['listen', '--timeout', '300']]) {
      test(`when nothing listens on the port, then \`sup ${args[0]}\` exits 3 with one line saying what to do`, async (t) => {
        const port = await closedPort();
        const result = await runSup([...args, '-p', String(port), '-u', 'alice'], t);
        assert.equal(result.code, 3);
        oneLine(result.stderr);
        assert.match(result.stderr, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port} \\(connection refused\\): is a server running\\? try 'sup server'`));
        assert.equal(result.stdout, '');
      });
    }

    for (const args of [['send', 'bob', 'hi'], ['status', 'bob'], ['contacts'], ['listen']]) {
      test(`when the server accepts but never answers, then \`sup ${args[0]}\` gives up within --timeout with exit 3`, { timeout: 5_000 }, async (t) => {
        const fake = await ScriptedServer.start(t, { login: null });
        const result = await runSup([...args, '--timeout', '300', '-p', String(fake.port), '-u', 'alice'], t);
        assert.equal(result.code, 3);
        oneLine(result.stderr);
        assert.match(result.stderr, /timed out after 300 ms talking to 127\.0\.0\.1:\d+: is the server answering\? raise --timeout/);
        assert.equal(await fake.frame(/^login /), 'login alice');
      });
    }

    for (const [command, args, script] of [
      ['send', ['send', 'bob', 'hi'], { send: null }],
      ['status', ['status', 'bob'], { contact: null }],
      ['contacts', ['contacts'], { get: null }],
      ['a quit', ['send', 'bob', 'hi'], { quit: null }],
    ] as const) {
      test(`when the server logs in but never answers ${command}, then it exits 3 within --timeout`, { timeout: 5_000 }, async (t) => {
        const fake = await ScriptedServer.start(t, script);
        const result = await runSup([...args, '--timeout', '300', '-p', String(fake.port), '-u', 'alice'], t);
        assert.equal(result.code, 3);
        oneLine(result.stderr);
        assert.match(result.stderr, /timed out after 300 ms/);
      });
    }

    test('when the connection drops before the send is answered, then it exits 3 saying the message may not have arrived', async (t) => {
      const fake = await ScriptedServer.start(t, { send: 'hang-up' });
      const result = await runSup(['send', 'bob', 'hi', '-p', String(fake.port), '-u', 'alice'], t);
      assert.equal(result.code, 3);
      oneLine(result.stderr);
      assert.match(result.stderr, /may or may not have been delivered/);
    });

    test('when the server hangs up during the login, then it exits 3', async (t) => {
      const fake = await ScriptedServer.start(t, { login: 'hang-up' });
      const result = await runSup(['status', 'bob', '-p', String(fake.port)], t);
      assert.equal(result.code, 3);
      oneLine(result.stderr);
      assert.match(result.stderr, /connection ended before the login was answered/);
    });
  });

  describe('--json failures', () => {
    for (const args of [['send', 'bob', 'hi'], ['send', 'bob', '--lines'], ['status', 'bob'], ['contacts'], ['listen']]) {
      test(`when \`sup ${args.join(' ')} --json\` cannot connect, then stdout holds one JSON object with the reason and exit code 3`, async (t) => {
        const port = await closedPort();
        const result = await runSup([...args, '--json', '--timeout', '300', '-p', String(port), '-u', 'alice'], t, { stdin: 'hi\n' });
        assert.equal(result.code, 3);
        oneLine(result.stderr);
        const lines = result.stdout.trimEnd().split('\n');
        assert.equal(lines.length, 1, result.stdout);
        const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
        assert.equal(parsed.exitCode, 3);
        assert.equal(`sup: ${String(parsed.error)}\n`, result.stderr);
      });
    }
  });

  describe('4: login refused', () => {
    test('when the name is taken (101), then send exits 4 saying so', async (t) => {
      const { port } = await startServer(t);
      await loggedIn(port, t, 'alice');
      const result = await runSup(['send', 'bob', 'hi', '-p', String(port), '-u', 'alice'], t);
      assert.equal(result.code, 4);
      oneLine(result.stderr);
      assert.match(result.stderr, /the username "alice" is taken/);
    });

    test('when the server refuses a name the CLI thinks valid (102), then it exits 4', async (t) => {
      const fake = await ScriptedServer.start(t, { login: ['status 102 Username Invalid'] });
      const result = await runSup(['status', 'bob', '-p', String(fake.port), '-u', 'alice'], t);
      assert.equal(result.code, 4);
      oneLine(result.stderr);
      assert.match(result.stderr, /refused the username "alice" \(status 102 Username Invalid\)/);
    });

    for (const args of [['listen'], ['send', 'bob', '--lines']]) {
      // The 60 s --timeout is far beyond the test's own: only an answer at once passes.
      test(`when \`sup ${args.join(' ')}\` finds its name taken at the first login, then it exits 4 at once with the reason`, { timeout: 5_000 }, async (t) => {
        const { port } = await startServer(t);
        await loggedIn(port, t, 'alice');
        const result = await runSup([...args, '--timeout', '60000', '-p', String(port), '-u', 'alice'], t, { stdin: 'hi\n' });
        assert.equal(result.code, 4);
        oneLine(result.stderr);
        assert.match(result.stderr, /^sup: the username "alice" is taken on 127\.0\.0\.1:\d+ \(status 101[^\n]*pick another name/);
      });
    }
  });

  describe('5: any other error status', () => {
    for (const [what, args, script, status] of [
      ['send gets 200', ['send', 'bob', 'hi'], { send: ['status 200 Internal Error'] }, '200 Internal Error'],
      ['status gets 105', ['status', 'bob'], { contact: ['status 105 Not Logged In'] }, '105 Not Logged In'],
      ['contacts gets 100', ['contacts'], { get: ['status 100 Malformed Message'] }, '100 Malformed Message'],
      ['quit gets 108', ['send', 'bob', 'hi'], { quit: ['status 108 Username Mismatch'] }, '108 Username Mismatch'],
      ['login gets 201', ['status', 'bob'], { login: ['status 201 Server Full'] }, '201 Server Full'],
    ] as const) {
      test(`when ${what}, then it exits 5 with one line naming the status`, async (t) => {
        const fake = await ScriptedServer.start(t, script);
        const result = await runSup([...args, '-p', String(fake.port), '-u', 'alice'], t);
        assert.equal(result.code, 5);
        oneLine(result.stderr);
        assert.ok(result.stderr.includes(`(status ${status})`), result.stderr);
      });
    }

    test('when the server sends a frame the protocol does not allow, then it exits 5', async (t) => {
      const fake = await ScriptedServer.start(t, { contact: ['hello there'] });
      const result = await runSup(['status', 'bob', '-p', String(fake.port)], t);
      assert.equal(result.code, 5);
      oneLine(result.stderr);
      assert.match(result.stderr, /does not speak the Sup protocol/);
    });
  });

  describe('6: internal error', () => {
    test('when sup itself fails unexpectedly, then it exits 6 (not 5) asking for a report', async (t) => {
      const { port } = await startServer(t);
      // A stdout that throws stands in for a bug: nothing in sup expects it.
      const broken = new Writable({ write: () => { throw new TypeError('boom'); } });
      const stderr = new PassThrough();
      let text = '';
      stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      const code = await runCli(['status', 'bob', '-p', String(port)], {
        stdout: broken,
        stderr,
        stdin: new PassThrough(),
        env: {},
        shutdown: new AbortController().signal,
        cwd: tempDir(t),
      });
      assert.equal(code, 6);
      assert.match(text, /^sup: unexpected error: boom \(a bug in sup: please report it[^\n]*\)\n$/);
    });
  });

  describe('2: usage', () => {
    for (const [what, args, pattern] of [
      ['an unknown option', ['send', 'bob', 'hi', '--bogus'], /unknown option '--bogus'/],
      ['a missing argument', ['send'], /missing required argument 'user'/],
      ['a missing status argument', ['status'], /missing required argument 'user'/],
      ['a port that is not a number', ['status', 'bob', '--port', 'abc'], /--port <port>' argument 'abc' is invalid/],
      ['port 0', ['status', 'bob', '-p', '0'], /argument '0' is invalid. expected a whole number from 1 to 65535/],
      ['a port over 65535', ['status', 'bob', '-p', '65536'], /argument '65536' is invalid/],
      ['a timeout of 0', ['status', 'bob', '--timeout', '0'], /--timeout <ms>' argument '0' is invalid/],
      ['an extra argument to status', ['status', 'bob', 'carol'], /too many arguments/],
      ['an unknown command', ['sned', 'bob', 'hi'], /unknown command 'sned' \(Did you mean send\?\) \(see 'sup --help'\)/],
      ['a misspelt option', ['send', 'bob', 'hi', '--jsn'], /unknown option '--jsn' \(Did you mean --json\?\) \(see 'sup send --help'\)\n$/],
      ['help for a misspelt command', ['help', 'sned'], /^sup: unknown command 'sned' \(Did you mean send\?\)/],
      ['message text that looks like an option', ['send', 'bob', '-5 degrees outside'], /unknown option '-5 degrees outside'; [^\n]*put -- before the message: sup send <user> -- "-5 degrees outside" \(see 'sup send --help'\)/],
    ] as const) {
      // Commander adds "(Did you mean ...?)" on a line of its own; program.ts must fold it into the one line.
      test(`when given ${what}, then it exits 2 with one line on stderr`, async (t) => {
        const result = await runSup(args, t);
        assert.equal(result.code, 2);
        oneLine(result.stderr);
        assert.match(result.stderr, pattern);
        assert.equal(result.stdout, '');
      });
    }

    test('when a usage error happens with --json, then stdout holds one JSON object with the reason and exit code 2', async (t) => {
      const result = await runSup(['status', 'bob', '--json', '--bogus'], t);
      assert.equal(result.code, 2);
      assert.deepEqual(JSON.parse(result.stdout), { error: "unknown option '--bogus'", exitCode: 2 });
      oneLine(result.stderr);
      // --quiet promises nothing but errors, --json a value for every outcome: together they are a usage error.
      const both = await runSup(['status', 'bob', '-q', '--json'], t);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /^sup: option '-q, --quiet' cannot be used with option '--json' \(see 'sup status --help'\)\n$/);
      assert.equal(JSON.parse(both.stdout).exitCode, 2);
    });

    test('when `sup help send` is asked, then it prints the help of send', async (t) => {
      const result = await runSup(['help', 'send'], t);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^Usage: sup send /);
    });

    for (const value of ['abc', '0', '70000']) {
      test(`when SUP_PORT is ${value}, then it exits 2 naming SUP_PORT`, async (t) => {
        const result = await runSup(['status', 'bob'], t, { env: { SUP_PORT: value } });
        assert.equal(result.code, 2);
        oneLine(result.stderr);
        assert.match(result.stderr, /SUP_PORT must be a port number from 1 to 65535/);
      });
    }

    test('when --help is given, then it prints the exit codes on stdout and exits 0', async (t) => {
      const result = await runSup(['--help'], t);
      assert.equal(result.code, 0);
      for (const code of ['0', '1', '2', '3', '4', '5', '6', '7', '130']) assert.match(result.stdout, new RegExp(`^  ${code}  `, 'm'));
    });

    test('when --version is given, then it prints the package version and exits 0', async (t) => {
      const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
      for (const flag of ['--version', '-V']) {
        assert.deepEqual(await runSup([flag], t), { code: 0, stdout: `${manifest.version}\n`, stderr: '' });
      }
    });

    test('when a command gets --help, then it lists the common options and exits 0', async (t) => {
      const result = await runSup(['send', '--help'], t);
      assert.equal(result.code, 0);
      for (const flag of ['--host', '--port', '--user', '--config', '--timeout', '--json', '--quiet', '--lines']) {
        assert.ok(result.stdout.includes(flag), flag);
      }
    });
  });
});
