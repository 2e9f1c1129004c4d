// Development OAuth 2.0 / OpenID Connect authorization server for gonbauth's
// end-to-end tests and `make demo`. It wraps panva's oidc-provider (pinned in
// package.json) with the two clients gonbauth expects. NOT FOR PRODUCTION:
// the cookie keys and client secret below are public, every login name and
// password is accepted, and all state lives in memory.
//
// Protocol with the Go launcher (devserver.go, beside this file):
//   - env DEVSERVER_PORT: port to bind on 127.0.0.1 (default 0: the OS picks).
//   - env DEVSERVER_ACCESS_TOKEN_TTL: access token lifetime in seconds (default 3600).
//   - When ready, exactly one JSON line goes to stdout:
//       {"issuer":"http://127.0.0.1:PORT","client_id":"gonbauth-dev"}
//     Everything else (including oidc-provider's notices, which it would
//     otherwise print with console.info) goes to stderr.
//   - SIGTERM / SIGINT: close the listener and exit 0.
//   - env DEVSERVER_EXIT_ON_STDIN_EOF=1: also exit when stdin closes. The Go
//     launcher holds a pipe to stdin, so the server dies with the test binary
//     even when that binary cannot clean up (killed, or go test -timeout).
//   - GET /__devserver/stats, POST /__devserver/stats/reset: request counters.
//   - env DEVSERVER_SECRETS_FILE=path (opt-in, TEST ONLY): for every POST to the
//     token endpoint (and the revocation endpoint), append one JSON line to path
//     with the secret form values it carried, those present among
//       {"path":"/token","code":...,"code_verifier":...,"refresh_token":...,"token":...}
//     (token is what a revocation request revokes). notebooks/run.py uses it to
//     search saved notebooks for every code, verifier and refresh token of a run.
//     The file is created 0600 and written before the response is sent. Never
//     set it outside tests: the file holds live credentials.
//   - env DEVSERVER_WEB_REDIRECT_URIS="uri ..." (opt-in, for the browser example
//     in wasm/example and its tests): registers a public *web* client,
//     gonbauth-dev-web (application_type web, no secret, PKCE S256, code flow
//     only), whose redirect URIs are these space-separated http URIs on
//     127.0.0.1, localhost or [::1], matched exactly (port included, as for
//     any web client). Cross-origin requests (CORS) for that client, to the
//     token and userinfo endpoints, are allowed from the origins of these URIs
//     and no other. The ready line then also carries
//     "web_client_id":"gonbauth-dev-web". The other clients are unchanged.
//
// devInteractions pages (oidc-provider 9.13.3, lib/actions/interaction.js and
// lib/views/*.js), as a browser driver sees them:
//   - Login (GET /interaction/:uid, <h1>Sign-in</h1>): a POST form to
//     /interaction/:uid with hidden input[name=prompt][value=login],
//     input[name=login] (any value; it becomes the account id / sub),
//     input[name=password] (any value) and button[type=submit] "Sign-in".
//   - Consent (GET /interaction/:uid with a new uid, <h1>Authorize</h1>): a POST
//     form with hidden input[name=prompt][value=consent] and
//     button[type=submit] "Continue".
//   - Refusing: both pages carry, below the form, `div.login-help >
//     a[href="/interaction/:uid/abort"]` with text "[ Cancel ]". Following it
//     (a plain GET) finishes the interaction with
//     {error: 'access_denied', error_description: 'End-User aborted interaction'},
//     so the browser lands on redirect_uri?error=access_denied&error_description=...&state=...&iss=...
//   - After the consent POST the browser goes 303 -> /auth/:uid -> 303 ->
//     redirect_uri?code=...&state=...&iss=... (RFC 9207 iss is on by default).
//   - The page layout @imports a Google Fonts stylesheet. Nothing outside
//     loopback is reachable (or wanted) here, so the wrapper below adds a
//     Content-Security-Policy to HTML responses that blocks remote styles and
//     fonts; the browser never tries to fetch them.

import * as fs from 'node:fs';
import * as http from 'node:http';
import { Console } from 'node:console';

// oidc-provider prints notices with console.info (stdout). stdout is reserved
// for the single "ready" line, so route the global console to stderr before
// the library is loaded (hence the dynamic import below).
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });

const { default: Provider } = await import('oidc-provider');

const CLIENT_ID = 'gonbauth-dev';
const CONFIDENTIAL_CLIENT_ID = 'gonbauth-dev-confidential';
const HOSTED_CLIENT_ID = 'gonbauth-dev-hosted';
const HOSTED_REDIRECT_PATTERN = /^http:\/\/127\.0\.0\.1:\d+\/proxy\/\d+\/callback$/;
const CONFIDENTIAL_CLIENT_SECRET = 'dev-secret-not-for-production';
const STATS_PATH = '/__devserver/stats';
const STATS_RESET_PATH = '/__devserver/stats/reset';

function envInt(name, def, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`devserver: ${name}=${JSON.stringify(raw)} is not an integer >= ${min}`);
    process.exit(2);
  }
  return n;
}

const port = envInt('DEVSERVER_PORT', 0, 0);
const accessTokenTTL = envInt('DEVSERVER_ACCESS_TOKEN_TTL', 3600, 1);
const secretsFile = process.env.DEVSERVER_SECRETS_FILE || '';

// --- public web client (DEVSERVER_WEB_REDIRECT_URIS, see top) ---------------

const WEB_CLIENT_ID = 'gonbauth-dev-web';
const WEB_LOOPBACKS = new Set(['127.0.0.1', 'localhost', '[::1]']);

function webRedirectURIs(raw) {
  const uris = raw.split(/\s+/).filter((u) => u !== '');
  for (const u of uris) {
    const parsed = URL.parse(u);
    if (!parsed || parsed.protocol !== 'http:' || !WEB_LOOPBACKS.has(parsed.hostname) || parsed.hash !== '' || parsed.href !== u) {
      console.error(`devserver: DEVSERVER_WEB_REDIRECT_URIS: ${JSON.stringify(u)} is not a normalized http:// URI on 127.0.0.1, localhost or [::1] without a fragment`);
      process.exit(2);
    }
  }
  return uris;
}

const webRedirects = webRedirectURIs(process.env.DEVSERVER_WEB_REDIRECT_URIS || '');
const webOrigins = new Set(webRedirects.map((u) => new URL(u).origin));

// --- secrets log (tests only, see DEVSERVER_SECRETS_FILE above) -------------

const SECRET_FIELDS = ['code', 'code_verifier', 'refresh_token', 'token'];
const SECRET_PATHS = new Set(['/token', '/token/revocation']);

function recordSecrets(path, body) {
  if (secretsFile === '' || !SECRET_PATHS.has(path) || !body) return;
  const rec = { path };
  let any = false;
  for (const f of SECRET_FIELDS) {
    if (typeof body[f] === 'string' && body[f] !== '') {
      rec[f] = body[f];
      any = true;
    }
  }
  if (!any) return;
  // Synchronous: the line is on disk before the response goes out.
  fs.appendFileSync(secretsFile, `${JSON.stringify(rec)}\n`, { mode: 0o600 });
}

// --- request counting -------------------------------------------------------

let stats;
function resetStats() {
  stats = { requests: 0, by_path: {}, grants: {} };
}
resetStats();

function sendJSON(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(data),
  });
  res.end(data);
}

// --- provider ---------------------------------------------------------------

const nativeClient = {
  application_type: 'native',
  // The port of loopback redirect URIs is ignored for native clients
  // (RFC 8252 section 7.3), so these match any free port the library picks.
  redirect_uris: [
    'http://127.0.0.1/callback',
    'http://[::1]/callback',
    'http://localhost/callback',
  ],
  grant_types: [
    'authorization_code',
    'refresh_token',
    'urn:ietf:params:oauth:grant-type:device_code',
  ],
  response_types: ['code'],
};

const configuration = {
  clients: [
    { ...nativeClient, client_id: CLIENT_ID, token_endpoint_auth_method: 'none' },
    {
      ...nativeClient,
      client_id: CONFIDENTIAL_CLIENT_ID,
      client_secret: CONFIDENTIAL_CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
    },
    // For gonbauth's hosted mode behind a jupyter-server-proxy style
    // reverse proxy: the redirect URI is http://127.0.0.1:PROXY/proxy/PORT/callback
    // with the kernel listener's port in the path. Its registered URI is a
    // placeholder: the pattern check below stands in for servers that
    // accept redirect URI wildcards (Keycloak's "/proxy/*", for one).
    {
      ...nativeClient,
      client_id: HOSTED_CLIENT_ID,
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/proxy/0/callback'],
    },
  ],
  // The default only requires PKCE for public clients; gonbauth always sends
  // it, so require it for the confidential client too. oidc-provider 9 only
  // implements S256 (plain is refused).
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
    introspection: { enabled: true },
  },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  claims: {
    openid: ['sub'],
    profile: ['name'],
    email: ['email', 'email_verified'],
  },
  // devInteractions accepts any login name; it becomes the account id.
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          name: `Dev User ${id}`,
          email: `${id}@example.test`,
          email_verified: true,
        };
      },
    };
  },
  ttl: {
    AccessToken: () => accessTokenTTL,
    RefreshToken: () => 24 * 60 * 60,
    DeviceCode: () => 10 * 60,
    // Defaults, set explicitly only to silence "you SHOULD change" notices.
    IdToken: () => 60 * 60,
    Interaction: () => 60 * 60,
    Session: () => 14 * 24 * 60 * 60,
    Grant: () => 14 * 24 * 60 * 60,
  },
  // Refresh tokens rotate for public clients (oidc-provider's default
  // rotateRefreshToken), and are only issued when offline_access is granted,
  // which needs prompt=consent: both kept as a real server behaves.
  cookies: {
    keys: ['gonbauth-dev-cookie-key-not-for-production'],
  },
  // No jwks: oidc-provider generates an in-memory signing key (dev only).
};

if (webRedirects.length > 0) {
  configuration.clients.push({
    client_id: WEB_CLIENT_ID,
    application_type: 'web',
    token_endpoint_auth_method: 'none',
    redirect_uris: webRedirects,
    grant_types: ['authorization_code'],
    response_types: ['code'],
  });
}

// CORS for the web client: only from the origins of its redirect URIs. Every
// other client gets oidc-provider 9.13.3's default rule, restated here
// (lib/helpers/defaults.js): clients without authentication and userinfo
// requests may come from the origin of one of the client's redirect URIs.
configuration.clientBasedCORS = (ctx, origin, client) => {
  if (client.clientId === WEB_CLIENT_ID) return webOrigins.has(origin);
  if (origin === 'null') return false;
  if (ctx.oidc.route === 'userinfo' || client.clientAuthMethod === 'none') {
    return client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin);
  }
  return false;
};

const server = http.createServer();
server.on('clientError', (err, socket) => {
  socket.destroy(err);
});

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', () => {
    server.off('error', reject);
    resolve();
  });
});

// The issuer must carry the real port, which is only known after listen().
const issuer = `http://127.0.0.1:${server.address().port}`;
const provider = new Provider(issuer, configuration);

// The hosted client's redirect URIs are checked against a pattern (see its
// registration above); every other client keeps exact matching.
const redirectUriAllowed = provider.Client.prototype.redirectUriAllowed;
provider.Client.prototype.redirectUriAllowed = function allowed(value) {
  if (this.clientId === HOSTED_CLIENT_ID) return HOSTED_REDIRECT_PATTERN.test(value);
  return redirectUriAllowed.call(this, value);
};

// Count token requests by grant type. This runs around oidc-provider's own
// routing, so the body has been parsed (ctx.oidc.body) by the time next()
// returns, including for requests the provider rejects.
provider.use(async (ctx, next) => {
  try {
    await next();
  } finally {
    if (ctx.method === 'POST' && ctx.path === '/token') {
      const grant = ctx.oidc?.body?.grant_type;
      const key = typeof grant === 'string' && grant !== '' ? grant : '(none)';
      stats.grants[key] = (stats.grants[key] || 0) + 1;
    }
    if (ctx.method === 'POST') {
      recordSecrets(ctx.path, ctx.oidc?.body);
    }
    if (ctx.response.is('html') && !ctx.response.get('content-security-policy')) {
      // Block the Google Fonts @import of the devInteractions layout (see top).
      ctx.set('content-security-policy', "style-src 'self' 'unsafe-inline'; font-src 'self'");
    }
  }
});

provider.on('server_error', (_ctx, err) => {
  console.error('devserver: server_error:', err);
});

const callback = provider.callback();
server.on('request', (req, res) => {
  const { pathname } = new URL(req.url, issuer);
  if (pathname === STATS_PATH && req.method === 'GET') {
    sendJSON(res, 200, stats);
    return;
  }
  if (pathname === STATS_RESET_PATH && req.method === 'POST') {
    resetStats();
    sendJSON(res, 200, stats);
    return;
  }
  stats.requests += 1;
  stats.by_path[pathname] = (stats.by_path[pathname] || 0) + 1;
  callback(req, res);
});

let shuttingDown = false;
function shutdown(reason) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.error(`devserver: ${reason}, shutting down`);
  server.close(() => process.exit(0));
  // Keep-alive connections (e.g. a browser's) would hold close() open.
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));
if (process.env.DEVSERVER_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
}

console.error(`devserver: listening on ${issuer}`);
process.stdout.write(`${JSON.stringify({ issuer, client_id: CLIENT_ID, ...(webRedirects.length > 0 && { web_client_id: WEB_CLIENT_ID }) })}\n`);
