// Node.js tests of the WebAssembly module and its loader:
//
//   make wasm && node --test wasm/test/
//
// They load wasm/dist/ (or $GONBAUTH_WASM_DIST) and compare with the native
// Go package: the vectors come from `go run ./wasm/internal/cmd/pkcevectors`
// (or the JSON file $GONBAUTH_GO_VECTORS). The Go test wasm/node_test.go runs
// this file against a fresh build as part of `go test ./...`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dist = path.resolve(process.env.GONBAUTH_WASM_DIST || path.join(repo, 'wasm', 'dist'));
for (const f of ['gonbauth.wasm', 'gonbauth.mjs', 'wasm_exec.js']) {
  if (!existsSync(path.join(dist, f))) {
    throw new Error(`${path.join(dist, f)} is missing: build the module first (make wasm, or bash wasm/build.sh)`);
  }
}
const loaderURL = pathToFileURL(path.join(dist, 'gonbauth.mjs')).href;
const wasmPath = path.join(dist, 'gonbauth.wasm');

// A fresh instance of the loader module (its own cache), for tests of load().
let fresh = 0;
const freshLoader = async () => (await import(`${loaderURL}?fresh=${++fresh}`)).load;

let vectors;
function goVectors() {
  vectors ??= readGoVectors();
  return vectors;
}

function readGoVectors() {
  if (process.env.GONBAUTH_GO_VECTORS) {
    return JSON.parse(readFileSync(process.env.GONBAUTH_GO_VECTORS, 'utf8'));
  }
  try {
    return JSON.parse(execFileSync('go', ['run', './wasm/internal/cmd/pkcevectors'], {
      cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 << 20,
    }));
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error('go not found on PATH: install Go 1.26+ (the tests compare with the Go package)');
    throw err;
  }
}

const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;
const nodeChallenge = (v) => createHash('sha256').update(v, 'ascii').digest('base64url');

const { load } = await import(loaderURL);
const pkce = await load();

test('RFC 7636 Appendix B', () => {
  assert.equal(pkce.challengeS256(RFC_VERIFIER), RFC_CHALLENGE);
  assert.equal(pkce.verifyS256(RFC_VERIFIER, RFC_CHALLENGE), true);
  assert.equal(pkce.verifyS256(RFC_VERIFIER, RFC_CHALLENGE.slice(0, 42) + 'x'), false);
  assert.equal(pkce.verifyS256(RFC_VERIFIER, ''), false);
  assert.equal(pkce.verifyS256(RFC_VERIFIER, RFC_CHALLENGE + 'A'), false);
  assert.equal(pkce.verifyS256(RFC_VERIFIER, 'x'.repeat(5000)), false);
});

test('same challenges as the Go package', () => {
  const { pairs } = goVectors();
  assert.ok(pairs.length >= 2 * 86 + 50, `only ${pairs.length} vectors`);
  for (const { verifier, challenge } of pairs) {
    assert.equal(pkce.challengeS256(verifier), challenge, `verifier ${verifier}`);
    assert.equal(pkce.verifyS256(verifier, challenge), true);
    assert.equal(nodeChallenge(verifier), challenge, 'node:crypto disagrees with Go: the vectors are wrong');
  }
});

test('generated verifiers, states and pairs', () => {
  const seen = new Set();
  for (let i = 0; i < 500; i++) {
    const v = pkce.generateVerifier();
    const s = pkce.generateState();
    const p = pkce.createPKCE();
    for (const x of [v, s, p.verifier]) {
      assert.match(x, BASE64URL_43);
      assert.ok(!seen.has(x), 'a random value repeated');
      seen.add(x);
    }
    assert.equal(pkce.challengeS256(v), nodeChallenge(v));
    assert.deepEqual(Object.keys(p).sort(), ['challenge', 'method', 'verifier']);
    assert.equal(p.method, 'S256');
    assert.equal(p.challenge, nodeChallenge(p.verifier));
    assert.ok(Object.isFrozen(p));
  }
});

test('randomness comes from crypto.getRandomValues', (t) => {
  const calls = [];
  t.mock.method(globalThis.crypto, 'getRandomValues', (a) => {
    calls.push(a.length);
    a.fill(0);
    return a;
  });
  assert.equal(pkce.generateVerifier(), 'A'.repeat(43));
  assert.equal(pkce.generateState(), 'A'.repeat(43));
  const p = pkce.createPKCE();
  assert.equal(p.verifier, 'A'.repeat(43));
  assert.equal(p.challenge, nodeChallenge('A'.repeat(43)));
  assert.deepEqual(calls, [32, 32, 32]);
});

test('bad verifiers throw an Error that says what is wrong (Go\'s messages)', () => {
  const { errors } = goVectors();
  const cases = [
    ...errors.map((e) => [e.verifier, e.message]),
    // Characters outside ASCII: positions and lengths count UTF-16 code units,
    // as JavaScript's string length does.
    ['a'.repeat(42) + 'é', 'pkce: invalid code verifier: character at position 42 is not one of A-Z a-z 0-9 - . _ ~'],
    ['😀' + 'a'.repeat(50), 'pkce: invalid code verifier: character at position 0 is not one of A-Z a-z 0-9 - . _ ~'],
    ['é'.repeat(129), 'pkce: invalid code verifier: length 129 is outside 43 to 128 characters'],
    ['a'.repeat(1_000_000), 'pkce: invalid code verifier: length 1000000 is outside 43 to 128 characters'],
  ];
  assert.ok(errors.length >= 10);
  for (const [v, message] of cases) {
    const desc = `verifier ${JSON.stringify(v.slice(0, 60))} (${v.length})`;
    assert.throws(() => pkce.challengeS256(v), (err) => err instanceof Error && err.message === message, desc);
    assert.throws(() => pkce.verifyS256(v, RFC_CHALLENGE), (err) => err instanceof Error && err.message === message, desc);
    if (v.length > 10) assert.ok(!message.includes(v.slice(0, 11)), 'the message repeats the verifier');
  }
  // The module is still fine after errors.
  assert.equal(pkce.challengeS256(RFC_VERIFIER), RFC_CHALLENGE);
});

test('arguments that are not strings throw a TypeError', () => {
  for (const v of [undefined, null, 42, {}, ['a'.repeat(43)], new TextEncoder().encode(RFC_VERIFIER)]) {
    assert.throws(() => pkce.challengeS256(v), TypeError);
    assert.throws(() => pkce.verifyS256(v, RFC_CHALLENGE), TypeError);
    assert.throws(() => pkce.verifyS256(RFC_VERIFIER, v), TypeError);
  }
});

test('loading twice is cheap and gives the same object', async () => {
  const again = await load();
  assert.equal(again, pkce);
  // Cheap: a later call neither reads nor compiles its source (these bytes
  // are not a module, and would make a first load fail).
  const all = await Promise.all([load(), load(wasmPath), load(new Uint8Array([1, 2, 3]))]);
  for (const x of all) assert.equal(x, pkce);
  assert.ok(Object.isFrozen(pkce));

  const fresh1 = await freshLoader();
  const [a, b] = await Promise.all([fresh1(), fresh1()]);
  assert.equal(a, b, 'concurrent loads made two instances');
  assert.notEqual(a, pkce, 'a fresh loader module reused another one\'s instance');
});

test('load() takes a URL, a path, a Response, bytes or a WebAssembly.Module', async () => {
  const bytes = await readFile(wasmPath);
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const sources = {
    'file URL': pathToFileURL(wasmPath),
    'file URL string': pathToFileURL(wasmPath).href,
    'relative path': path.relative(process.cwd(), wasmPath),
    'absolute path': wasmPath,
    'Uint8Array': new Uint8Array(ab),
    'Uint8Array view into a larger buffer': new Uint8Array(Buffer.concat([Buffer.alloc(7), bytes, Buffer.alloc(5)])).subarray(7, 7 + bytes.length),
    'ArrayBuffer': ab,
    'Response (application/wasm)': new Response(bytes, { headers: { 'content-type': 'application/wasm' } }),
    'Response (other type)': new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } }),
    'Promise of a Response': Promise.resolve(new Response(bytes, { headers: { 'content-type': 'application/wasm' } })),
    'WebAssembly.Module': await WebAssembly.compile(bytes),
  };
  for (const [name, source] of Object.entries(sources)) {
    const api = await (await freshLoader())(source);
    assert.equal(api.challengeS256(RFC_VERIFIER), RFC_CHALLENGE, name);
  }
});

test('a failed load rejects with a clear error, and the next load tries again', async () => {
  const l = await freshLoader();
  await assert.rejects(l(42), TypeError);
  await assert.rejects(l(new Uint8Array([0, 1, 2, 3])), WebAssembly.CompileError);
  await assert.rejects(l(new Response('nope', { status: 404 })), /HTTP 404/);
  await assert.rejects(l(path.join(dist, 'no-such.wasm')), /ENOENT/);
  // A valid WebAssembly module that is not this one.
  await assert.rejects(l(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), /not gonbauth\.wasm/);
  const api = await l(wasmPath);
  assert.equal(api.challengeS256(RFC_VERIFIER), RFC_CHALLENGE);
});

test('many calls, memory growth included', () => {
  // Enough garbage for Go to collect and grow its memory: views of the
  // buffer must follow.
  let last;
  for (let i = 0; i < 200_000; i++) {
    last = pkce.createPKCE();
  }
  assert.equal(pkce.challengeS256(last.verifier), last.challenge);
  const long = '~'.repeat(128);
  assert.equal(pkce.challengeS256(long), nodeChallenge(long));
});
