// The in-page half of `make bench` (driven by gonbauth/internal/harness/cmd/wasmbench in
// headless Chromium): gonbauth's WebAssembly module beside WebCrypto and the
// npm library pkce-challenge, measured in the same page. It only measures.

const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const encoder = new TextEncoder();

function base64url(buf) {
  return btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// Verifiers as a real flow makes them: 43 characters from 32 random bytes.
function verifiers(n) {
  return Array.from({ length: n }, () => base64url(crypto.getRandomValues(new Uint8Array(32))));
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Cold load to first challenge, in a page that has not loaded anything yet:
 * import the loader (which imports wasm_exec.js), fetch and compile the
 * module, start Go, hash once. `tag` makes every URL new, and the server
 * sends no-store, so nothing comes from a cache.
 */
export async function coldLoad(dir, tag) {
  const t0 = performance.now();
  const { load } = await import(`${dir}gonbauth.mjs?cold=${tag}`);
  const p = await load(`${dir}gonbauth.wasm?cold=${tag}`);
  const c = p.challengeS256(RFC_VERIFIER);
  const t1 = performance.now();
  return { ms: t1 - t0, challenge: c };
}

/** The same for pkce-challenge: import it, hash once (WebCrypto underneath). */
export async function coldLoadLibrary(tag) {
  const t0 = performance.now();
  const { generateChallenge } = await import(`/node_modules/pkce-challenge/dist/index.browser.js?cold=${tag}`);
  const c = await generateChallenge(RFC_VERIFIER);
  const t1 = performance.now();
  return { ms: t1 - t0, challenge: c };
}

/** The same for WebCrypto: nothing to load, one digest. */
export async function coldWebCrypto() {
  const t0 = performance.now();
  const c = base64url(await crypto.subtle.digest('SHA-256', encoder.encode(RFC_VERIFIER)));
  const t1 = performance.now();
  return { ms: t1 - t0, challenge: c };
}

// time runs f n times (f may be async; then calls are awaited one after the
// other, which is how a page uses them) and returns microseconds per call.
async function time(n, f, isAsync) {
  const t0 = performance.now();
  if (isAsync) {
    for (let i = 0; i < n; i++) await f(i);
  } else {
    for (let i = 0; i < n; i++) f(i);
  }
  return ((performance.now() - t0) * 1000) / n;
}

/**
 * Microseconds per call, the median of `rounds` rounds after a warm-up
 * round, for each implementation.
 */
export async function perCall({ syncCalls = 200000, asyncCalls = 20000, rounds = 5 } = {}) {
  const { load } = await import('/dist/gonbauth.mjs');
  const pkce = await load('/dist/gonbauth.wasm');
  const lib = await import('/node_modules/pkce-challenge/dist/index.browser.js');
  const vs = verifiers(1000);
  const pick = (i) => vs[i % vs.length];
  const cs = vs.map((v) => pkce.challengeS256(v));

  // Every implementation must agree before it is timed.
  for (let i = 0; i < 20; i++) {
    const v = vs[i];
    const wc = base64url(await crypto.subtle.digest('SHA-256', encoder.encode(v)));
    const lc = await lib.generateChallenge(v);
    if (wc !== cs[i] || lc !== cs[i]) throw new Error(`implementations disagree on ${v}: ${cs[i]} ${wc} ${lc}`);
  }

  const cases = {
    'gonbauth challengeS256': [syncCalls, (i) => pkce.challengeS256(pick(i)), false],
    'gonbauth verifyS256': [syncCalls, (i) => pkce.verifyS256(pick(i), cs[i % cs.length]), false],
    'gonbauth createPKCE': [syncCalls, () => pkce.createPKCE(), false],
    'gonbauth generateVerifier': [syncCalls, () => pkce.generateVerifier(), false],
    'WebCrypto digest': [asyncCalls, (i) => crypto.subtle.digest('SHA-256', encoder.encode(pick(i))), true],
    'WebCrypto digest + base64url': [asyncCalls, async (i) => base64url(await crypto.subtle.digest('SHA-256', encoder.encode(pick(i)))), true],
    'pkce-challenge generateChallenge': [asyncCalls, (i) => lib.generateChallenge(pick(i)), true],
    'pkce-challenge pkceChallenge()': [asyncCalls, () => lib.default(), true],
  };
  const out = {};
  for (const [name, [n, f, isAsync]] of Object.entries(cases)) {
    await time(Math.ceil(n / 10), f, isAsync); // warm-up
    const us = [];
    for (let r = 0; r < rounds; r++) us.push(await time(n, f, isAsync));
    out[name] = { median: median(us), min: Math.min(...us), max: Math.max(...us), calls: n, rounds };
  }
  return out;
}

/** Which implementations work in this page (run on an insecure origin). */
export async function works() {
  const out = { secureContext: isSecureContext, subtle: typeof crypto.subtle };
  const attempt = async (name, f) => {
    try {
      const c = await f();
      out[name] = c === 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' ? 'yes' : `wrong result ${c}`;
    } catch (e) {
      out[name] = `no: ${e.constructor.name}: ${e.message}`;
    }
  };
  await attempt('gonbauth', async () => (await (await import('/dist/gonbauth.mjs')).load('/dist/gonbauth.wasm')).challengeS256(RFC_VERIFIER));
  await attempt('WebCrypto', async () => base64url(await crypto.subtle.digest('SHA-256', encoder.encode(RFC_VERIFIER))));
  await attempt('pkce-challenge', async () => (await import('/node_modules/pkce-challenge/dist/index.browser.js')).generateChallenge(RFC_VERIFIER));
  return out;
}
