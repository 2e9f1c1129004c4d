// gonbauth.mjs: loads gonbauth.wasm, gonbauth's PKCE code (RFC 7636, S256)
// built with Go for WebAssembly, in a browser or in Node.js 20+.
//
//   import { load } from './gonbauth.mjs';
//   const pkce = await load();        // or load(url | Response | bytes)
//   const { verifier, challenge, method } = pkce.createPKCE();
//
// Nothing here needs crypto.subtle, so it also works on pages that are not a
// secure context (a Jupyter server reached over plain http from another
// host), where crypto.subtle is undefined: random bytes come from
// crypto.getRandomValues, which every context has, and SHA-256 runs in Go.
//
// Go's wasm_exec.js must sit next to this file (make wasm puts both in
// wasm/dist/), unless the page already loaded it (globalThis.Go). It must be
// the one of the Go release that built the module. Like any Go program,
// it defines the globals Go, fs, process and path where they are missing.

const nodeRuntime = typeof process === 'object' && process !== null &&
  typeof process.versions === 'object' && typeof process.versions.node === 'string';

let loading = null; // the Promise of the one API object; reset if loading fails

/**
 * Loads the module once and resolves to its API. Later calls, and calls
 * made while the first is under way, resolve to the same object whatever
 * their source (every build of the module is equivalent). If loading fails,
 * the promise rejects and the next call tries again.
 *
 * @param {string|URL|Response|Promise<Response>|ArrayBuffer|ArrayBufferView|WebAssembly.Module} [source]
 *   where the module is: a URL (a string is resolved against the document's
 *   base URL, or in Node.js against the working directory; file: URLs are
 *   read from disk in Node.js), a fetch Response (or a promise of one), or
 *   the module's bytes. Default: gonbauth.wasm next to this file.
 * @returns {Promise<{
 *   generateVerifier(): string,
 *   challengeS256(verifier: string): string,
 *   verifyS256(verifier: string, challenge: string): boolean,
 *   generateState(): string,
 *   createPKCE(): {verifier: string, challenge: string, method: 'S256'},
 * }>}
 */
export async function load(source) {
  if (loading === null) {
    loading = instantiate(source);
    loading.catch(() => {
      loading = null;
    });
  }
  return loading;
}

async function instantiate(source) {
  // Fetch and compile the module while wasm_exec.js loads: compiling needs
  // no imports.
  const [Go, module] = await Promise.all([
    goClass(),
    compile(source ?? new URL('./gonbauth.wasm', import.meta.url)),
  ]);
  if (!WebAssembly.Module.exports(module).some((e) => e.name === 'gonbauth_challenge')) {
    throw new Error('gonbauth: this WebAssembly module is not gonbauth.wasm (no gonbauth_challenge export)');
  }
  const go = new Go();
  const instance = await WebAssembly.instantiate(module, go.importObject);
  const state = { exited: false };
  // run() returns once Go's main is idle (it blocks forever, handing control
  // back to JavaScript); its promise settles only if the program exits.
  go.run(instance).then(
    () => { state.exited = true; },
    () => { state.exited = true; },
  );
  if (go.exited) {
    throw new Error('gonbauth: the Go program exited during start-up (see the console)');
  }
  return api(instance.exports, state, go);
}

async function goClass() {
  if (typeof globalThis.Go !== 'function') {
    await import(new URL('./wasm_exec.js', import.meta.url).href);
  }
  if (typeof globalThis.Go !== 'function') {
    throw new Error('gonbauth: wasm_exec.js did not define Go: use the wasm_exec.js of the Go release that built gonbauth.wasm');
  }
  return globalThis.Go;
}

// compile turns any accepted source into a WebAssembly.Module.
async function compile(source) {
  if (source !== null && typeof source === 'object' && typeof source.then === 'function') {
    source = await source; // e.g. load(fetch(url))
  }
  if (source instanceof WebAssembly.Module) {
    return source;
  }
  if (typeof source === 'string' || source instanceof URL) {
    const url = await resolveURL(source);
    if (url.protocol === 'file:' && nodeRuntime) {
      const { readFile } = await import('node:fs/promises');
      return WebAssembly.compile(await readFile(url));
    }
    return fromResponse(await fetch(url));
  }
  if (typeof Response === 'function' && source instanceof Response) {
    return fromResponse(source);
  }
  if (source instanceof ArrayBuffer || ArrayBuffer.isView(source)) {
    return WebAssembly.compile(source);
  }
  throw new TypeError('gonbauth: load(source): source must be a URL, a Response, an ArrayBuffer, a Uint8Array or a WebAssembly.Module');
}

async function resolveURL(source) {
  if (source instanceof URL) return source;
  let base;
  if (globalThis.document?.baseURI) {
    base = globalThis.document.baseURI;
  } else if (globalThis.location?.href) {
    base = globalThis.location.href;
  } else if (nodeRuntime) {
    const { pathToFileURL } = await import('node:url');
    base = pathToFileURL(`${process.cwd()}/`);
  }
  return new URL(source, base);
}

async function fromResponse(resp) {
  if (!resp.ok) {
    throw new Error(`gonbauth: fetching ${resp.url || 'the module'}: HTTP ${resp.status} ${resp.statusText}`.trim());
  }
  const type = (resp.headers.get('content-type') || '').split(';')[0].trim().toLowerCase();
  if (type === 'application/wasm' && typeof WebAssembly.compileStreaming === 'function') {
    return WebAssembly.compileStreaming(resp);
  }
  return WebAssembly.compile(await resp.arrayBuffer());
}

// api wraps the module's integer-only exports (see wasm/main.go): strings
// go through one buffer in the module's memory, and a negative result -n
// means an error whose n-byte message is in the buffer.
function api(ex, state, go) {
  const ptr = ex.gonbauth_buffer() >>> 0;
  const size = ex.gonbauth_buffer_size();
  const entropy = ex.gonbauth_entropy();
  let buf = new Uint8Array(ex.mem.buffer, ptr, size);

  // The view goes stale (length 0) when Go grows its memory, which any call
  // may do: take a fresh one after each call.
  const view = () => {
    if (state.exited || go.exited) {
      throw new Error('gonbauth: the Go program has exited (see the console); load the module again in a new page');
    }
    if (buf.byteLength === 0) buf = new Uint8Array(ex.mem.buffer, ptr, size);
    return buf;
  };

  // put copies s at off. A character outside ASCII becomes 0xff, which no
  // rule accepts, so lengths and positions in Go's messages are those of the
  // JavaScript string.
  const put = (b, s, off) => {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      b[off + i] = c < 0x80 ? c : 0xff;
    }
  };
  const get = (off, n) => String.fromCharCode.apply(null, view().subarray(off, off + n));
  const check = (r) => {
    if (r < 0) throw new Error(get(0, -r));
    return r;
  };
  const str = (name, v) => {
    if (typeof v !== 'string') throw new TypeError(`gonbauth: ${name} must be a string, not ${v === null ? 'null' : typeof v}`);
  };
  const random = () => {
    globalThis.crypto.getRandomValues(view().subarray(0, entropy));
  };

  return Object.freeze({
    /** A new code verifier: 43 characters of base64url from 32 random bytes. */
    generateVerifier() {
      random();
      return get(0, check(ex.gonbauth_verifier()));
    },

    /** The S256 challenge of verifier; throws an Error if verifier is malformed. */
    challengeS256(verifier) {
      str('verifier', verifier);
      const b = view();
      const n = verifier.length;
      if (n <= size) put(b, verifier, 0); // longer ones are refused by length alone
      return get(0, check(ex.gonbauth_challenge(n)));
    },

    /**
     * Whether challenge is the S256 challenge of verifier (compared in
     * constant time). Throws an Error if verifier is malformed.
     */
    verifyS256(verifier, challenge) {
      str('verifier', verifier);
      str('challenge', challenge);
      const b = view();
      const nv = verifier.length;
      let nc = challenge.length;
      if (nv <= size) put(b, verifier, 0);
      if (nv + nc <= size) put(b, challenge, nv);
      else nc = -1; // cannot be a challenge (43 characters)
      return check(ex.gonbauth_verify(nv, nc)) === 1;
    },

    /** A new OAuth state value: 43 characters of base64url from 32 random bytes. */
    generateState() {
      random();
      return get(0, check(ex.gonbauth_state()));
    },

    /** A new verifier and its challenge, in one call. */
    createPKCE() {
      random();
      const r = check(ex.gonbauth_pkce());
      const nv = r >>> 16;
      const nc = r & 0xffff;
      return Object.freeze({ verifier: get(0, nv), challenge: get(nv, nc), method: 'S256' });
    },
  });
}
