// The browser example of gonbauth's PKCE WebAssembly module: the
// authorization code flow with PKCE (RFC 7636) for a public web client, in
// the browser alone. index.html calls main(), callback.html calls callback().
//
// What the module does here: createPKCE() (verifier and S256 challenge) and
// generateState(). Everything works on a page that is not a secure context
// (crypto.subtle undefined): the module needs only crypto.getRandomValues.

import { load } from './dist/gonbauth.mjs';

const SAVED = 'gonbauth-example-flow'; // sessionStorage key, redirect mode only

const $ = (id) => document.getElementById(id);

function say(text, kind = 'info') {
  const el = $('status');
  el.textContent = text;
  el.dataset.kind = kind;
}

async function getJSON(url, what) {
  const resp = await fetch(url);
  if (!resp.ok) throw new Error(`${what}: HTTP ${resp.status}`);
  return resp.json();
}

// The page's settings, from the server that serves it.
const config = () => getJSON('./config.json', 'config.json');

// The authorization server's metadata (OpenID Connect Discovery).
async function discover(issuer) {
  const meta = await getJSON(`${issuer}/.well-known/openid-configuration`, 'discovery');
  if (meta.issuer !== issuer) throw new Error(`discovery: issuer is ${meta.issuer}, want ${issuer}`);
  return meta;
}

function describeContext() {
  const subtle = typeof globalThis.crypto?.subtle === 'object' ? 'available' : 'undefined';
  $('context').textContent = `isSecureContext: ${globalThis.isSecureContext}; crypto.subtle: ${subtle}`;
}

/** index.html: load the module, then sign in when asked. */
export async function main() {
  describeContext();
  const params = new URLSearchParams(location.search);
  const mode = params.get('mode') === 'redirect' ? 'redirect' : 'popup';
  $('mode').textContent = mode;
  try {
    const [cfg, pkce] = await Promise.all([config(), load()]);
    const meta = await discover(cfg.issuer);
    $('issuer').textContent = cfg.issuer;
    const button = $('sign-in');
    button.disabled = false;
    say('Ready: the PKCE module is loaded.');
    button.addEventListener('click', () => {
      button.disabled = true;
      signIn(cfg, meta, pkce, mode).catch((err) => {
        say(`Sign-in failed: ${err.message}`, 'error');
        button.disabled = false;
      });
    });
  } catch (err) {
    say(`Could not start: ${err.message}`, 'error');
  }
}

async function signIn(cfg, meta, pkce, mode) {
  const { verifier, challenge, method } = pkce.createPKCE();
  const state = pkce.generateState();
  const auth = new URL(meta.authorization_endpoint);
  auth.search = new URLSearchParams({
    response_type: 'code',
    client_id: cfg.client_id,
    redirect_uri: cfg.redirect_uri,
    scope: cfg.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: method,
  });
  $('challenge').textContent = challenge;

  if (mode === 'redirect') {
    // The verifier must survive the page: this tab's sessionStorage only.
    sessionStorage.setItem(SAVED, JSON.stringify({ state, verifier }));
    say('Signing in in this tab...');
    location.assign(auth.href);
    return;
  }

  const popup = window.open(auth.href, 'gonbauth-sign-in', 'popup,width=520,height=680');
  if (!popup) throw new Error('the browser blocked the sign-in window: allow pop-ups, or use ?mode=redirect');
  say('Signing in in the pop-up window...');
  const search = await new Promise((resolve, reject) => {
    const done = () => {
      window.removeEventListener('message', onMessage);
      clearInterval(timer);
    };
    const onMessage = (ev) => {
      // Only our own callback page, in the window we opened.
      if (ev.origin !== location.origin || ev.source !== popup || ev.data?.type !== 'gonbauth-callback') return;
      done();
      resolve(ev.data.search);
    };
    window.addEventListener('message', onMessage);
    const timer = setInterval(() => {
      if (popup.closed) {
        // The message is sent before the pop-up closes itself; give it a moment.
        setTimeout(() => {
          done();
          reject(new Error('the sign-in window was closed'));
        }, 200);
        clearInterval(timer);
      }
    }, 300);
  });
  await finish(cfg, meta, new URLSearchParams(search), { state, verifier }, 'popup');
}

// finish checks the authorization response and redeems the code.
async function finish(cfg, meta, params, { state, verifier }, mode) {
  if (params.get('state') !== state) throw new Error('the response does not carry the state this page sent');
  // RFC 9207: the server says who answered; a mix-up would show here.
  const iss = params.get('iss');
  if (iss !== null ? iss !== meta.issuer : meta.authorization_response_iss_parameter_supported) {
    throw new Error(`the response comes from ${iss}, not ${meta.issuer}`);
  }
  if (params.get('error')) {
    throw new Error(`${params.get('error')}: ${params.get('error_description') || 'no description'}`);
  }
  const code = params.get('code');
  if (!code) throw new Error('the response has no code');

  say('Exchanging the code for tokens...');
  const resp = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: cfg.redirect_uri,
      client_id: cfg.client_id,
      code_verifier: verifier,
    }),
  });
  const tokens = await resp.json();
  if (!resp.ok) throw new Error(`token endpoint: ${tokens.error}: ${tokens.error_description || resp.status}`);

  const ui = await fetch(meta.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  const user = await ui.json();
  if (!ui.ok) throw new Error(`userinfo: ${user.error || ui.status}`);

  const result = {
    sub: user.sub,
    token_type: tokens.token_type,
    expires_in: tokens.expires_in,
    scope: tokens.scope,
    mode,
  };
  $('result').textContent = [
    `Signed in as ${user.sub}${user.name ? ` (${user.name})` : ''}.`,
    `Access token: ${tokens.token_type}, ${tokens.access_token.length} characters (kept in this page, not shown), expires in ${tokens.expires_in} s, scope "${tokens.scope}".`,
    tokens.id_token ? 'An ID token came too.' : '',
  ].filter(Boolean).join('\n');
  // Tell the server that serves the page (and the notebook cell waiting on
  // it) who signed in. Never a token. The status says "Signed in" only once
  // the server has it.
  const done = await fetch('./done', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(result) });
  if (!done.ok) throw new Error(`signed in as ${user.sub}, but the page's server refused the report: HTTP ${done.status}`);
  say(`Signed in as ${user.sub}.`, 'ok');
}

/** callback.html: hand the response to the opener, or finish here. */
export async function callback() {
  const search = location.search;
  // The code should not stay in the address bar or the history.
  history.replaceState(null, '', location.pathname);

  let opener = null;
  try {
    // Reading location.origin throws for a cross-origin opener.
    if (window.opener && window.opener.location.origin === location.origin) opener = window.opener;
  } catch {
    opener = null;
  }
  if (opener) {
    opener.postMessage({ type: 'gonbauth-callback', search }, location.origin);
    window.close();
    return;
  }

  describeContext();
  $('mode').textContent = 'redirect';
  const saved = JSON.parse(sessionStorage.getItem(SAVED) || 'null');
  sessionStorage.removeItem(SAVED);
  try {
    if (!saved) throw new Error('no sign-in was started in this tab');
    const cfg = await config();
    const meta = await discover(cfg.issuer);
    $('issuer').textContent = cfg.issuer;
    await finish(cfg, meta, new URLSearchParams(search), saved, 'redirect');
  } catch (err) {
    say(`Sign-in failed: ${err.message}`, 'error');
  }
}
