#!/usr/bin/python3
"""Executes gonbauth's example notebooks on a real GoNB kernel and checks them.

    /usr/bin/python3 notebooks/run.py               every notebooks/*.ipynb, then the interrupt and paste runs
    /usr/bin/python3 notebooks/run.py --write       the same, writing the outputs back into notebooks/
    /usr/bin/python3 notebooks/run.py quickstart    only the notebooks named (no interrupt or paste run)
    /usr/bin/python3 notebooks/run.py --self-test   feed the checker doctored notebooks (no kernel)
    /usr/bin/python3 notebooks/run.py --serve       the bundled server + Jupyter Notebook, by hand,
                                                    on copies of the notebooks in a temporary folder
    /usr/bin/python3 notebooks/run.py --serve-check start --serve, list the notebooks through its
                                                    API, stop it, check the checkout is unchanged

Use Debian's python3 (/usr/bin/python3): it sees Debian's jupyter_client,
nbclient and nbformat, the only packages used. `make notebooks`, `make
notebooks-update` and `make notebook` install everything first
(.ci/install-deps gonb).

A run starts the bundled development authorization server (node
gonbauth/devserver/server.mjs, on 127.0.0.1), builds the sign-in helper
(gonbauth/internal/cmd/signin, headless Chromium), and executes each notebook
with nbclient on the "gonb" kernel, with GONBAUTH_ISSUER and
GONBAUTH_CLIENT_ID naming the server, GONBAUTH_CONFIG_DIR a fresh temporary
directory and GONBAUTH_MODE=loopback (the browser runs on this machine; see
kernel_env); every other GONBAUTH_* variable is removed. The kernel
starts in the notebook's folder, which GoNB gives cells as ${GONB_DIR}.

While a cell runs, the runner watches the kernel's iopub messages. When a cell
shows a sign-in link (the href of the sign-in block's HTML, which must equal
the URL line of its text/plain), the runner acts as the person at the browser,
as the cell's tags say:

    signin          sign in (as "alice") and approve; the block must end "Signed in"
    signin-deny     sign in and refuse consent (the cell is then also expect-error)
    interrupt       interrupt the kernel; the block must end "cancelled", the
                    listener's port must be free, and the cell must end before
                    GoNB's SIGKILL (5 s after its SIGINT)
    no-click        leave the link alone (nobody clicks: a Timeout example)
    (none)          a link in an untagged cell is a failure; the kernel is
                    interrupted so that the run does not wait for the timeout

A cell may instead show a web page that signs in by itself in the browser
(the wasm/example page of notebooks/browser-pkce.ipynb): a display whose HTML
holds an <iframe> whose src is also alone on a line of its text/plain. When
such a display arrives, the cell's tags say what to do:

    browser-page    open the page in headless Chromium (`signin -page URL`),
                    click its Sign in button, sign in as "alice" and approve in
                    the pop-up it opens, and wait until the page says "Signed
                    in" (it has then told the cell, whose srv.Wait returns);
                    the cell must then end within PAGE_REPORT_WAIT seconds
    (none)          a page in an untagged cell is a failure (and the kernel is
                    interrupted)

The tokens the page received (read by the helper from the browser's network
events) become secrets of the run; so do the codes and verifiers that the
example's own development server received: kernels of notebooks with a
browser-page cell get DEVSERVER_SECRETS_FILE (a file of their own), which
example.Start passes on to the server it starts, and each browser-page cell
must have added a token request with a code and a verifier to it. Before
such a notebook runs, the WebAssembly module is built into wasm/dist
(wasm/build.sh, as `make wasm` does).

Other tags:

    expect-error    the cell is meant to fail or to show a failed sign-in: error
                    outputs, "exit status" on stderr and failed sign-in blocks
                    are allowed, but its expected texts must be there and panics
                    are still failures
    restart-kernel  restart the kernel before the cell (GoNB forgets every
                    declaration and the go.mod edits; files on disk stay)

and cell metadata {"gonbauth": {"expect": ["text", ...]}} lists texts that must
appear in the cell's outputs (text/plain of displays, streams, errors). A
notebook whose metadata has {"gonbauth": {"skip": "why"}} is not run (the run
says so, with the reason): for notebooks that need a person in the page.

Checks, after each notebook; any failure names the notebook, the cell and the
reason, and makes the run exit 1:
  - every sign-in block of a signin cell ended "Signed in" (the last state of
    the display with its display id), no block anywhere was left waiting;
  - every display_data/update_display_data had a text/plain version;
  - no error output and no "exit status", panic or goroutine trace on stderr,
    except in expect-error cells (which may fail, but not panic);
  - the expected texts (API results, "(saved sign-in)", error messages) are there;
  - no secret of the run appears anywhere in the executed notebook: the
    access, refresh and ID tokens read from the sign-in store after every
    cell, the authorization codes of the redirects the browser reached, and
    the codes, code verifiers and refresh tokens the development servers
    received (DEVSERVER_SECRETS_FILE), the tokens pages received; nor, in
    any output, anything shaped like a JWT, a base64url run of 40 or more
    characters (verifiers, codes and opaque tokens are 43), a code=,
    access_token=... parameter or an "access_token": ... JSON member;
  - a display with a page in a frame has the frame's URL alone on a line of
    its text/plain, and a browser-page cell shows exactly one such page.
The paste run (notebooks/testdata/paste.ipynb) tests paste mode end to end.
nbclient executes with allow_stdin=False and never answers input requests, so
it uses jupyter_client directly: a gonb kernel with the same environment but
GONBAUTH_MODE=paste, and allow_stdin. Each code cell's metadata
gonbauth.paste names what the runner does while it runs:

    tampered-then-real      when the link shows, sign in with `signin -unreachable`
                            (the redirect fails as if the kernel were unreachable;
                            the helper prints the address the browser tried), then
                            answer the input requests, which must be password
                            boxes naming the redirect URI, with that address (a)
                            with another state, (b) with another issuer's iss,
                            (c) a forged error=access_denied with a wrong state,
                            (d) with another port; each must update the block with
                            "The pasted address was refused: <a fitting reason>"
                            and ask again; then (e) the real address: the block
                            must end "Signed in", the code be redeemed once
    refused-then-interrupt  sign in afresh, paste only refused addresses (the
                            first address replayed to this port, this sign-in's
                            own with another state), interrupt: the block must end
                            cancelled, this sign-in's code never be redeemed
    redirect-wins           sign in with the browser reaching the listener: it
                            must win although the input box is never answered
    late-reply              answer the previous cell's stale input box: nothing
                            may happen

After each: no error output (except expect-error cells), the listener's port
free, and no iopub message of the cell (every display state, stream, error)
holding a pasted address or its code; at the end every such message and the
outputs (kept as nbclient would) are searched for every secret of the run, and
the notebook goes through the checks above.

After the notebooks pass, doctored copies of a real result (a display without
text/plain, a planted token of this run, an unfinished sign-in) must fail the
same checks. --self-test does the same with synthetic notebooks, without a
kernel.

The executed notebooks go to a new temporary directory (printed); with
--write they are then copied back into notebooks/ (never the interrupt or paste test's),
only if the whole run passed. Secrets are never
printed: failures say which kind of secret leaked and where.
"""

import argparse
import asyncio
import copy
import gc
import html
import json
import os
import queue
import re
import secrets as pysecrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from nbclient.util import ensure_async
except ImportError as e:  # pragma: no cover
    sys.exit(
        f"run.py: {e}: run it with Debian's /usr/bin/python3 after `.ci/install-deps gonb` "
        "(apt-get install jupyter-nbconvert jupyter-client python3-nbformat python3-nbclient)"
    )

REPO = Path(__file__).resolve().parent.parent
NB_DIR = REPO / "notebooks"
INTERRUPT_NB = NB_DIR / "testdata" / "interrupt.ipynb"
PASTE_NB = NB_DIR / "testdata" / "paste.ipynb"
DEVSERVER_DIR = REPO / "gonbauth" / "devserver"
KERNEL = "gonb"

CELL_TIMEOUT = 300  # s; a cold first cell compiles the standard library (~16 s)
HELPER_TIMEOUT = 90  # s for the headless sign-in
SIGKILL_AFTER = 5.0  # s: GoNB kills a cell program this long after SIGINT

# The first line of a gonbauth sign-in block's text/plain (gonbauth's
# message table, messages.go), possibly after a notice line.
STATUS_RE = re.compile(
    r"(?m)^(?P<kind>Signed in to |Sign in to |To sign in to |Sign-in received from |Sign-in (?:to \S+ )?failed|Sign-in (?:to \S+ )?cancelled)"
)
JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*")
HREF_RE = re.compile(r'<a\s[^>]*href="([^"]+)"')
IFRAME_RE = re.compile(r'<iframe\s[^>]*src="([^"]+)"')
# In outputs, where secrets of the page (which the runner may not know) would
# show: long base64url runs, and secret parameters or JSON members.
LONG_RUN_RE = re.compile(r"[A-Za-z0-9_-]{40,}")
SECRET_PARAM_RE = re.compile(
    r'(?<![A-Za-z_])(code|code_verifier|access_token|refresh_token|id_token)=|'
    r'\\?"(code|code_verifier|access_token|refresh_token|id_token)\\?"\s*:')
PAGE_REPORT_WAIT = 15  # s for a cell to end once its page says it signed in
TRACE_MARKERS = ("panic:", "goroutine ")
FAIL_MARKERS = ("exit status", "gonbauth: warning")


def say(*a):
    print("run.py:", *a, file=sys.stderr, flush=True)


# --- secrets -----------------------------------------------------------------


class Secrets:
    """Values that must never appear in a saved notebook, with where each came from."""

    MIN_LEN = 16  # shorter values would match by accident; real ones are 43+

    def __init__(self):
        self.kinds = {}  # value -> description (never the value)

    def add(self, value, kind):
        if isinstance(value, str) and len(value) >= self.MIN_LEN and value not in self.kinds:
            self.kinds[value] = kind

    def add_store(self, config_dir, when):
        """Tokens of every saved sign-in (gonbauth's store: one JSON file each)."""
        for p in sorted(Path(config_dir).glob("*.json")):
            try:
                entry = json.loads(p.read_text())
            except (OSError, ValueError):
                continue
            tok = entry.get("token") or {}
            for field, kind in (("access_token", "an access token"), ("refresh_token", "a refresh token"),
                                ("id_token", "an ID token")):
                self.add(tok.get(field), f"{kind} (in the sign-in store {when})")

    def add_server_log(self, path, server="the server"):
        """What a development server received (DEVSERVER_SECRETS_FILE)."""
        try:
            lines = Path(path).read_text().splitlines()
        except FileNotFoundError:
            return
        for line in lines:
            rec = json.loads(line)
            for field, kind in (("code", "an authorization code"), ("code_verifier", "a code verifier"),
                                ("refresh_token", "a refresh token"), ("token", "a revoked token")):
                self.add(rec.get(field), f"{kind} (sent to {server}'s {rec.get('path')})")

    def add_redirect(self, final_url, when):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(final_url).query)
        for code in q.get("code", []):
            self.add(code, f"an authorization code (the redirect {when})")

    def __len__(self):
        return len(self.kinds)


# --- reading outputs -------------------------------------------------------------


def plain_of(data):
    t = data.get("text/plain", "")
    return "".join(t) if isinstance(t, list) else t


def html_of(data):
    t = data.get("text/html", "")
    return "".join(t) if isinstance(t, list) else t


def status_kind(text):
    """The state of a gonbauth sign-in block from its text/plain, or None."""
    m = STATUS_RE.search(text)
    if not m:
        return None
    k = m.group("kind")
    if k.startswith("Signed in"):
        return "signed-in"
    if k.startswith(("Sign in to", "To sign in to")):
        return "waiting"
    if k.startswith("Sign-in received"):
        return "exchanging"
    return "failed" if k.endswith("failed") else "cancelled"


def sign_in_link(data):
    """The sign-in link of a display, or None: the href of its HTML and the
    URL line of its text/plain, which must agree. Returns (url, problem)."""
    hrefs = [html.unescape(h) for h in HREF_RE.findall(html_of(data))]
    hrefs = [h for h in hrefs if "redirect_uri=" in h]
    lines = [ln.strip() for ln in plain_of(data).splitlines()]
    lines = [ln for ln in lines if re.match(r"https?://", ln) and "redirect_uri=" in ln]
    if not hrefs and not lines:
        return None, None
    if hrefs and lines and hrefs[0] != lines[0]:
        return hrefs[0], "the sign-in link of the HTML differs from the one in text/plain"
    if not lines:
        return hrefs[0], "the sign-in link is in the HTML but not in text/plain"
    return (hrefs or lines)[0], None


def page_of(data):
    """The web page a display shows in a frame, or None: the src of the
    iframe in its HTML, which must also be alone on a line of its
    text/plain. Returns (url, problem)."""
    srcs = [html.unescape(u) for u in IFRAME_RE.findall(html_of(data))]
    if not srcs:
        return None, None
    if len(set(srcs)) > 1:
        return srcs[0], f"a display with {len(set(srcs))} pages in frames"
    if srcs[0] not in [ln.strip() for ln in plain_of(data).splitlines()]:
        return srcs[0], "a page in a frame whose URL is not alone on a line of the display's text/plain"
    return srcs[0], None


def redirect_port(link):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query)
    return urllib.parse.urlsplit(q["redirect_uri"][0]).port


def port_is_free(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(("127.0.0.1", port))
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    finally:
        s.close()


def cell_tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


def cell_expects(cell):
    return list(cell.get("metadata", {}).get("gonbauth", {}).get("expect", []))


def cell_label(name, index, cell):
    first = next((ln for ln in cell.get("source", "").splitlines() if ln.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    return f"{name} cell {index} ({first!r})"


# --- the checker -------------------------------------------------------------


def check_notebook(nb, secrets, name):
    """Checks an executed notebook; returns a list of problems (empty: fine).
    Works on the notebook alone, so that doctored notebooks can be fed to it."""
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        where = cell_label(name, i, cell)
        tags = cell_tags(cell)
        may_fail = "expect-error" in tags or "signin-deny" in tags
        texts, blocks, pages = [], [], []
        for out in cell.get("outputs", []):
            ot = out.get("output_type")
            if ot == "stream":
                text = "".join(out["text"]) if isinstance(out["text"], list) else out["text"]
                texts.append(text)
                if out.get("name") == "stderr":
                    if any(m in text for m in TRACE_MARKERS):
                        problems.append(f"{where}: a panic or goroutine trace on stderr: {text.strip()[:300]!r}")
                    if not may_fail:
                        for m in FAIL_MARKERS:
                            if m in text:
                                problems.append(f"{where}: unexpected {m!r} on stderr: {text.strip()[:300]!r}")
            elif ot == "error":
                texts.append(out.get("ename", "") + ": " + out.get("evalue", ""))
                texts.extend(out.get("traceback", []))
                if not may_fail:
                    problems.append(f"{where}: error output {out.get('ename')}: {out.get('evalue', '')[:300]!r}")
            elif ot in ("display_data", "execute_result"):
                data = out.get("data", {})
                if "text/plain" not in data:
                    problems.append(f"{where}: a {ot} without text/plain (it has {sorted(data)})")
                    continue
                text = plain_of(data)
                texts.append(text)
                kind = status_kind(text)
                if kind:
                    blocks.append((kind, text))
                page, bad = page_of(data)
                if bad:
                    problems.append(f"{where}: {bad}")
                if page:
                    pages.append(page)
        if "browser-page" in tags and len(pages) != 1:
            problems.append(f"{where}: tagged browser-page, but shows {len(pages)} pages in frames, not 1")
        elif pages and "browser-page" not in tags:
            problems.append(f"{where}: shows a page in a frame, but is not tagged browser-page")
        outs = json.dumps(cell.get("outputs", []))
        for m in LONG_RUN_RE.finditer(outs):
            problems.append(f"{where}: a base64url run of {len(m.group())} characters in the outputs "
                            f"(a code, verifier or token?): {m.group()[:8]}...")
        for m in SECRET_PARAM_RE.finditer(outs):
            problems.append(f"{where}: the outputs hold a secret parameter or member: {m.group()!r}")
        for kind, text in blocks:
            if kind in ("waiting", "exchanging"):
                problems.append(f"{where}: a sign-in block was left unfinished ({kind}): {text.splitlines()[0]!r}")
            elif "signin" in tags and kind != "signed-in":
                problems.append(f"{where}: the sign-in block ended {kind}, not \"Signed in\": {text[:300]!r}")
            elif not may_fail and "interrupt" not in tags and kind != "signed-in":
                problems.append(f"{where}: a sign-in block ended {kind} in a cell not tagged expect-error: {text[:300]!r}")
        if "signin" in tags and not blocks:
            problems.append(f"{where}: tagged signin, but shows no sign-in block")
        if "expect-error" in tags and not cell_expects(cell):
            problems.append(f"{where}: tagged expect-error but lists no expected text (metadata gonbauth.expect)")
        joined = "\n".join(texts)
        for want in cell_expects(cell):
            if want not in joined:
                problems.append(f"{where}: the outputs lack the expected text {want!r}")
        if "code_challenge=" in json.dumps(cell.get("outputs", [])):
            problems.append(f"{where}: a sign-in link was saved in the outputs")

    # Secrets: anywhere in the file, outputs, metadata and sources alike.
    for i, cell in enumerate(nb.cells):
        blob = json.dumps(cell)
        for value, kind in secrets.kinds.items():
            if value in blob:
                problems.append(f"{cell_label(name, i, cell)}: holds {kind}")
        for m in JWT_RE.finditer(blob):
            problems.append(f"{cell_label(name, i, cell)}: holds a JWT-shaped string ({m.group()[:12]}...)")
    meta = json.dumps(nb.metadata)
    for value, kind in secrets.kinds.items():
        if value in meta:
            problems.append(f"{name} metadata: holds {kind}")
    return problems


# --- the development server --------------------------------------------------------


class DevServer:
    """node gonbauth/devserver/server.mjs on 127.0.0.1, read from its JSON ready line."""

    def __init__(self, log_path, secrets_file=None):
        env = dict(os.environ, DEVSERVER_PORT="0", DEVSERVER_EXIT_ON_STDIN_EOF="1")
        env.pop("DEVSERVER_SECRETS_FILE", None)
        if secrets_file:
            env["DEVSERVER_SECRETS_FILE"] = str(secrets_file)
        self.log_path = Path(log_path)
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            ["node", "server.mjs"], cwd=DEVSERVER_DIR, env=env, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log, start_new_session=True,
        )
        ready = {}

        def read():
            line = self.proc.stdout.readline()
            try:
                ready.update(json.loads(line))
            except ValueError:
                pass

        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(30)
        if not ready.get("issuer"):
            self.close()
            raise SystemExit("run.py: the development server did not start:\n" + self.log_tail())
        self.issuer, self.client_id = ready["issuer"], ready["client_id"]

    def log_tail(self):
        self.log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def dead(self):
        """A description of the server's death, or None while it runs."""
        if self.proc.poll() is None:
            return None
        return f"the development server exited (status {self.proc.returncode}); its log ends with:\n{self.log_tail()}"

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()  # DEVSERVER_EXIT_ON_STDIN_EOF
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def kernel_env(server, config_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONBAUTH_")}
    # GONBAUTH_MODE=loopback: the browser (headless Chromium here, a person's
    # with `make notebook`, whose Jupyter listens on 127.0.0.1 only) runs on
    # the kernel's machine. Left to itself, Login would detect a container,
    # SSH or CI machine and pick the device flow or paste instead.
    env.update(GONBAUTH_ISSUER=server.issuer, GONBAUTH_CLIENT_ID=server.client_id,
               GONBAUTH_CONFIG_DIR=str(config_dir), GONBAUTH_MODE="loopback")
    env.pop("DEVSERVER_SECRETS_FILE", None)
    return env


def build_module(fatal=True):
    """The WebAssembly module into wasm/dist, as `make wasm` does (the
    example page of browser-pkce.ipynb serves it from there)."""
    t = time.monotonic()
    r = subprocess.run(["bash", "wasm/build.sh"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        msg = f"building the WebAssembly module (wasm/build.sh) failed:\n{r.stdout[-3000:]}"
        if fatal:
            raise SystemExit("run.py: " + msg)
        say(msg + "\n(browser-pkce.ipynb needs it: make wasm)")
        return
    say(f"built the WebAssembly module into wasm/dist in {time.monotonic() - t:.1f} s")


def has_page_cell(nb):
    return any("browser-page" in cell_tags(c) for c in nb.cells if c.get("cell_type") == "code")


def build_helper(out_dir):
    t = time.monotonic()
    out = Path(out_dir) / "signin"
    subprocess.run(["go", "build", "-o", str(out), "./gonbauth/internal/cmd/signin"], cwd=REPO, check=True)
    say(f"built the sign-in helper in {time.monotonic() - t:.1f} s")
    return out


# --- running a notebook ------------------------------------------------------------


class CellRun:
    """What the runner saw of one cell's execution."""

    def __init__(self, index, cell):
        self.index, self.cell, self.tags = index, cell, cell_tags(cell)
        self.states = {}  # display id -> list of text/plain states
        self.links = {}  # display id -> sign-in link
        self.pages = {}  # display id -> the URL of a page shown in a frame
        self.helper = None  # the signin process
        self.helper_kind = None  # "link" or "page" (signin -page)
        self.page_tokens = None  # token requests in the page's server's secrets file before the cell
        self.helper_failed = False
        self.interrupted_at = None
        self.ended_at = None
        self.problems = []
        self.done = False


class Runner(NotebookClient):
    """An nbclient NotebookClient that watches iopub messages as they arrive
    and plays the person at the browser."""

    def __init__(self, nb, *, name, run, secrets, config_dir, **kw):
        super().__init__(nb, kernel_name=KERNEL, timeout=run.cell_timeout, startup_timeout=120,
                         record_timing=False, allow_errors=True, **kw)
        self.name, self.run, self.secrets, self.config_dir = name, run, secrets, config_dir
        self.cur = None
        self.problems = []
        self.timings = []
        self._tasks = []

    # Called by nbclient for every iopub message of the running cell.
    def process_message(self, msg, cell, cell_index):
        cr = self.cur
        mt = msg["msg_type"]  # read first: nbclient rewrites update_display_data
        content = msg["content"]
        if cr is not None and mt in ("display_data", "update_display_data", "execute_result"):
            data = content.get("data", {})
            did = content.get("transient", {}).get("display_id") or f"(no id {len(cr.states)})"
            if "text/plain" not in data:
                cr.problems.append(f"a {mt} without text/plain (it has {sorted(data)})")
            cr.states.setdefault(did, []).append(plain_of(data))
            link, bad = sign_in_link(data)
            if bad:
                cr.problems.append(bad)
            if link and did not in cr.links:
                cr.links[did] = link
                self.on_link(cr, link)
            page, bad = page_of(data)
            if bad:
                cr.problems.append(bad)
            if page and did not in cr.pages:
                cr.pages[did] = page
                self.on_page(cr, page)
        return super().process_message(msg, cell, cell_index)

    def on_link(self, cr, link):
        if "signin" in cr.tags or "signin-deny" in cr.tags:
            cr.helper_kind = "link"
            args = [str(self.run.helper)] + (["-deny"] if "signin-deny" in cr.tags else []) + [link]
            cr.helper = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            self._tasks.append(asyncio.ensure_future(self.watch_helper(cr)))
        elif "interrupt" in cr.tags:
            self._tasks.append(asyncio.ensure_future(self.interrupt(cr)))
        elif "no-click" not in cr.tags:
            cr.problems.append("showed a sign-in link, but is not tagged signin, signin-deny, interrupt or no-click")
            self._tasks.append(asyncio.ensure_future(self.interrupt(cr)))

    def on_page(self, cr, page):
        if "browser-page" not in cr.tags:
            cr.problems.append("showed a page in a frame, but is not tagged browser-page")
            self._tasks.append(asyncio.ensure_future(self.interrupt(cr)))
        elif cr.helper is not None:
            cr.problems.append("showed a second page or link; only the first is signed in from")
        else:
            cr.helper_kind = "page"
            cr.helper = subprocess.Popen([str(self.run.helper), "-page", page], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)
            self._tasks.append(asyncio.ensure_future(self.watch_helper(cr)))

    async def interrupt(self, cr):
        await asyncio.sleep(0.5)  # as a person would: after the link is on screen
        cr.interrupted_at = time.monotonic()
        await ensure_async(self.km.interrupt_kernel())

    async def watch_helper(self, cr):
        # If the browser cannot complete the sign-in, end the cell at once
        # instead of waiting for Login's timeout.
        while not cr.done:
            if cr.helper.poll() is not None:
                if cr.helper.returncode != 0:
                    cr.helper_failed = True
                    cr.problems.append(f"the headless sign-in failed: {cr.helper.stderr.read().strip()[-600:]}")
                    await self.interrupt(cr)
                elif cr.helper_kind == "page":
                    # The page has told the cell's server: the cell's Wait
                    # returns at once. Do not wait for the cell's timeout.
                    deadline = time.monotonic() + PAGE_REPORT_WAIT
                    while not cr.done and time.monotonic() < deadline:
                        await asyncio.sleep(0.2)
                    if not cr.done:
                        cr.problems.append(f"the page signed in, but the cell did not end within {PAGE_REPORT_WAIT} s")
                        await self.interrupt(cr)
                return
            await asyncio.sleep(0.2)

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        cr = CellRun(cell_index, cell)
        if "browser-page" in cr.tags:
            cr.page_tokens = len(self.run.page_token_requests())
        if "restart-kernel" in cr.tags:
            t = time.monotonic()
            await ensure_async(self.km.restart_kernel(now=False))
            await ensure_async(self.kc.wait_for_ready(timeout=self.startup_timeout))
            say(f"{self.name}: kernel restarted in {time.monotonic() - t:.1f} s")
        self.cur = cr
        t = time.monotonic()
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
            cr.problems.append(f"{type(e).__name__}: {str(e)[-600:]}")
            raise
        finally:
            cr.ended_at = time.monotonic()
            cr.done = True
            self.cur = None
            await self.after_cell(cr)
            elapsed = cr.ended_at - t
            self.timings.append((cell_index, elapsed))
            where = cell_label(self.name, cell_index, cell)
            self.problems += [f"{where}: {p}" for p in cr.problems]
            tags = ",".join(sorted(cr.tags))
            mark = f" ({len(cr.problems)} problems, listed at the end)" if cr.problems else ""
            say(f"{self.name} cell {cell_index}{' [' + tags + ']' if tags else ''}: {elapsed:.1f} s{mark}")

    def after_page(self, cr, out):
        """What `signin -page` printed: the page's status and the tokens it received."""
        try:
            res = json.loads(out) if out.strip() else None
        except ValueError:
            res = None
        if res is None:
            if cr.helper.returncode == 0:
                cr.problems.append("signin -page printed no result")
            return
        kinds = {"access_token": "an access token", "id_token": "an ID token", "refresh_token": "a refresh token"}
        for field, values in (res.get("tokens") or {}).items():
            for v in values:
                self.secrets.add(v, f"{kinds.get(field, field)} (received by the page in {self.name} cell {cr.index})")
        if not (res.get("tokens") or {}).get("access_token"):
            cr.problems.append("the browser saw no token response of the page")
        if not str(res.get("status", "")).startswith("Signed in as "):
            cr.problems.append(f"the page ended with {res.get('status')!r}, not \"Signed in as ...\"")
        else:
            say(f"{self.name} cell {cr.index}: the page ({res.get('mode')} mode) says {res['status']!r}")

    async def after_cell(self, cr):
        if cr.helper is not None:
            try:
                out, err = await asyncio.get_running_loop().run_in_executor(None, cr.helper.communicate, None, HELPER_TIMEOUT)
            except subprocess.TimeoutExpired:
                cr.helper.kill()
                out, err = cr.helper.communicate()
                cr.problems.append("the headless sign-in did not finish")
            if cr.helper_kind == "page":
                self.after_page(cr, out)
            else:
                final = out.strip()
                if final:
                    self.secrets.add_redirect(final, f"after {self.name} cell {cr.index}")
            if cr.helper.returncode != 0 and not cr.helper_failed:
                cr.problems.append(f"the headless sign-in failed: {(err or '').strip()[-600:]}")
        # Tokens: read the store after every cell, before a later Logout
        # removes them.
        self.secrets.add_store(self.config_dir, f"after {self.name} cell {cr.index}")

        if "browser-page" in cr.tags:
            if not cr.pages:
                cr.problems.append("tagged browser-page, but no page was shown in a frame")
            # The example's development server got DEVSERVER_SECRETS_FILE
            # and recorded the page's token request: its code and verifier
            # are secrets of the run now.
            self.secrets.add_server_log(self.run.page_secrets_file, "the example's development server")
            new = self.run.page_token_requests()[cr.page_tokens:]
            if cr.pages and not any(r.get("code") and r.get("code_verifier") for r in new):
                cr.problems.append("the example's development server recorded no token request with a code and a "
                                   "verifier (did DEVSERVER_SECRETS_FILE reach it?)")

        signin = "signin" in cr.tags
        if signin and not cr.links:
            cr.problems.append("tagged signin, but no sign-in link was shown")
        for did, link in cr.links.items():
            final = cr.states[did][-1]
            kind = status_kind(final)
            if signin and kind != "signed-in":
                cr.problems.append(f"the sign-in block ({did}) ended {kind}, not \"Signed in\": {final[:300]!r}")
            if "interrupt" in cr.tags:
                if kind != "cancelled":
                    cr.problems.append(f"after the interrupt the sign-in block ended {kind}, not cancelled: {final[:300]!r}")
                port = redirect_port(link)
                if not port_is_free(port):
                    cr.problems.append(f"the redirect listener's port {port} still accepts connections after the cell")
                if cr.interrupted_at is None:
                    cr.problems.append("the kernel was not interrupted")
                else:
                    took = cr.ended_at - cr.interrupted_at
                    if took >= SIGKILL_AFTER - 0.5:
                        cr.problems.append(f"the cell took {took:.1f} s to end after the interrupt: GoNB's SIGKILL, not Login, ended it")
                    else:
                        say(f"{self.name} cell {cr.index}: ended {took:.2f} s after the interrupt; port {port} is free")
        for t in self._tasks:
            if not t.done():
                t.cancel()
        self._tasks = []


class Run:
    """One run: the server, the helper, the temporary files."""

    def __init__(self, work, cell_timeout=CELL_TIMEOUT):
        self.work, self.cell_timeout = Path(work), cell_timeout
        self.secrets_file = self.work / "server-secrets.jsonl"
        # For the development servers that notebook cells start (example.Start).
        self.page_secrets_file = self.work / "page-server-secrets.jsonl"
        self.module_built = False
        self.helper = build_helper(self.work)
        t = time.monotonic()
        self.server = DevServer(self.work / "devserver.log", self.secrets_file)
        say(f"development server at {self.server.issuer} (started in {time.monotonic() - t:.1f} s)")
        self.secrets = Secrets()

    def close(self):
        self.server.close()
        self.secrets.add_server_log(self.secrets_file)
        self.secrets.add_server_log(self.page_secrets_file, "the example's development server")
        self.secrets_file.unlink(missing_ok=True)
        self.page_secrets_file.unlink(missing_ok=True)

    def page_token_requests(self):
        try:
            lines = self.page_secrets_file.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [r for r in (json.loads(ln) for ln in lines if ln.strip()) if r.get("path") == "/token"]

    def finish(self, name, nb, problems, config_dir, kernel_log, out_path):
        """Ends a notebook's run: collects the store's secrets, checks and
        writes the executed notebook, shows the kernel's log on failure and
        removes the store. Returns every problem found."""
        self.secrets.add_store(config_dir, f"after {name}")
        problems = problems + check_notebook(nb, self.secrets, name)
        dead = self.server.dead()
        if dead:
            problems.insert(0, f"{name}: {dead}")
        nbformat.write(nb, out_path)
        if problems:
            tail = kernel_log.read_text(errors="replace").splitlines()[-40:]
            if tail:
                say(f"{name}: the kernel's log ends with ({kernel_log}):\n  " + "\n  ".join(tail))
        shutil.rmtree(config_dir, ignore_errors=True)
        return problems

    def execute(self, path, out_path):
        name = path.name
        nb = nbformat.read(path, as_version=4)
        config_dir = Path(tempfile.mkdtemp(prefix="config-", dir=self.work))
        kernel_log = self.work / (path.stem + ".kernel.log")
        client = Runner(nb, name=name, run=self, secrets=self.secrets, config_dir=config_dir,
                        resources={"metadata": {"path": str(path.parent)}})
        env = kernel_env(self.server, config_dir)
        if has_page_cell(nb):
            if not self.module_built:
                build_module()
                self.module_built = True
            # Passed on by example.Start to the development server it starts.
            env["DEVSERVER_SECRETS_FILE"] = str(self.page_secrets_file)
        t = time.monotonic()
        with open(kernel_log, "w") as log:
            try:
                client.execute(env=env, stderr=log)
            except (CellExecutionError, CellTimeoutError, DeadKernelError) as e:
                if not client.problems:
                    client.problems.append(f"{name}: {type(e).__name__}: {str(e)[-600:]}")
            except Exception as e:  # the kernel did not start, and the like
                client.problems.append(f"{name}: {type(e).__name__}: {e}")
        elapsed = time.monotonic() - t
        self.secrets.add_server_log(self.secrets_file)
        self.secrets.add_server_log(self.page_secrets_file, "the example's development server")
        problems = self.finish(name, nb, client.problems, config_dir, kernel_log, out_path)
        return nb, problems, elapsed


# --- the paste run: jupyter_client directly, answering input requests -------------------
#
# nbclient executes with allow_stdin=False and never answers an input_request,
# so paste mode (gonbui.RequestInput, the reply on the cell program's stdin)
# is driven here with a plain KernelManager and BlockingKernelClient. Each
# cell with metadata gonbauth.paste runs a script: a generator that yields
# PasteWait(what, until, timeout) and goes on once until() is true. A script
# that raises PasteFailure, or a wait that times out, fails the cell loudly
# (the step, and what the sign-in block said) and interrupts the kernel so
# that the cell ends at once.

OTHER_ISSUER = "https://issuer.example.test"  # (b): a mix-up: another server's iss
REFUSED_RE = re.compile(r"(?m)^The pasted address was refused[^:]*: (?P<why>.*)\. Paste it again\.$")
PASTE_WAIT = 15  # s for a refusal or an input request to arrive after a paste


class PasteFailure(Exception):
    pass


class PasteWait:
    """Go on once until() is true. after_end: the wait does not depend on the
    kernel (the browser), and may go on after the cell has ended."""

    def __init__(self, what, until, timeout, after_end=False):
        self.what, self.until, self.timeout, self.after_end = what, until, timeout, after_end


def with_query(url, **changes):
    """url with query parameters replaced (None: removed) or added, in place."""
    parts = urllib.parse.urlsplit(url)
    out, seen = [], set()
    for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        if k in changes:
            if k in seen or changes[k] is None:
                continue
            seen.add(k)
            v = changes[k]
        out.append((k, v))
    out += [(k, v) for k, v in changes.items() if k not in seen and v is not None]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(out)))


def with_port(url, port):
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{host}:{port}"))


def query_of(url):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True)


def paste_tampers(final):
    """(what, address, reason the refusal must give) for each tampered copy of
    final, the address the browser tried: (a) to (d) of issue 5 (b)."""
    q = query_of(final)
    parts = urllib.parse.urlsplit(final)
    other_port = parts.port + 1 if parts.port < 65535 else parts.port - 1
    forged = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(
        [("error", "access_denied"), ("state", pysecrets.token_urlsafe(32)), ("iss", q["iss"][0])])))
    return [
        ("the address with another state", with_query(final, state=pysecrets.token_urlsafe(32)),
         "its state does not match"),
        ("the address with iss of another issuer", with_query(final, iss=OTHER_ISSUER), "mix-up"),
        ("a forged error response (error=access_denied, a wrong state)", forged, "its state does not match"),
        ("the address with another redirect port", with_port(final, other_port),
         "not where this sign-in sends the browser"),
    ]


def refusal_of(text):
    m = REFUSED_RE.search(text)
    return m.group("why") if m else None


class PasteCell:
    """What the paste run saw of one cell, and the outputs nbclient would have saved."""

    def __init__(self, index, cell):
        self.index, self.cell, self.tags = index, cell, cell_tags(cell)
        self.script = cell.get("metadata", {}).get("gonbauth", {}).get("paste")
        self.outputs = []  # nbformat outputs; update_display_data rewrites in place
        self.by_id = {}  # display id -> indices in outputs
        self.states = {}  # display id -> every text/plain state, in order
        self.did, self.link = None, None  # the sign-in block and its link
        self.requests = []  # input_request contents
        self.raw = []  # (msg_type, JSON of the content) of every iopub message
        self.pasted = []  # what was answered, in order (secret: the real one holds a code)
        self.final = None  # the address the browser tried (a secret)
        self.interrupted_at = self.ended_at = None
        self.execution_count = None
        self.problems = []
        self.step = "starting"

    def block(self):
        """The sign-in block's latest text/plain ("" before it shows)."""
        return self.states.get(self.did, [""])[-1] if self.did else ""

    def on_iopub(self, msg):
        mt, content = msg["msg_type"], msg["content"]
        self.raw.append((mt, json.dumps(content)))
        if mt in ("display_data", "update_display_data", "execute_result"):
            data = content.get("data", {})
            did = content.get("transient", {}).get("display_id")
            if "text/plain" not in data:
                self.problems.append(f"a {mt} without text/plain (it has {sorted(data)})")
            key = did or f"(no id {len(self.states)})"
            self.states.setdefault(key, []).append(plain_of(data))
            link, bad = sign_in_link(data)
            if bad:
                self.problems.append(bad)
            if link and self.link is None:
                self.did, self.link = key, link
            elif link and key != self.did:
                self.problems.append("a second sign-in block with a link")
            if mt == "update_display_data":
                for i in self.by_id.get(did, []):
                    self.outputs[i]["data"] = data
                    self.outputs[i]["metadata"] = content.get("metadata", {})
                return
            out = nbformat.v4.output_from_msg(msg)
            if did:
                self.by_id.setdefault(did, []).append(len(self.outputs))
            self.outputs.append(out)
        elif mt in ("stream", "error"):
            self.outputs.append(nbformat.v4.output_from_msg(msg))
        elif mt == "clear_output":
            self.outputs, self.by_id = [], {}


class PasteRun:
    """Runs notebooks/testdata/paste.ipynb on a gonb kernel started with
    GONBAUTH_MODE=paste, acting as the person who pastes addresses."""

    def __init__(self, run, path, config_dir, kernel_log):
        self.run, self.path, self.config_dir, self.kernel_log = run, path, config_dir, kernel_log
        self.km = self.kc = None
        self.first_final = None  # the signed-in cell's real address, replayed later
        self.cells = []

    # --- the kernel

    def start(self, log):
        from jupyter_client.manager import KernelManager
        env = kernel_env(self.run.server, self.config_dir)
        env["GONBAUTH_MODE"] = "paste"  # the browser cannot reach the kernel: paste the address
        self.km = KernelManager(kernel_name=KERNEL)
        self.km.start_kernel(env=env, cwd=str(self.path.parent), stderr=log)
        self.kc = self.km.client()
        self.kc.allow_stdin = True  # nbclient forces False; paste mode needs the stdin channel
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=120)

    def stop(self):
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=False)  # a hard kill leaks GoNB's temp dir
        # Dropped now: collected at interpreter exit, jupyter_client's
        # __del__ logs into a torn-down logging module.
        self.kc = self.km = None
        gc.collect()

    def interrupt(self, cr):
        if cr.interrupted_at is None:
            cr.interrupted_at = time.monotonic()
            self.km.interrupt_kernel()

    # --- one cell

    def execute(self, index, cell):
        cr = PasteCell(index, cell)
        t = time.monotonic()
        msg_id = self.kc.execute(cell.source, allow_stdin=True, store_history=True)
        script = {"tampered-then-real": self.tampered_then_real,
                  "refused-then-interrupt": self.refused_then_interrupt,
                  "redirect-wins": self.redirect_wins,
                  "late-reply": self.late_reply}.get(cr.script)
        if cr.script and script is None:
            cr.problems.append(f"unknown gonbauth.paste script {cr.script!r}")
        gen = script(cr) if script else None
        wait, since = None, time.monotonic()

        def advance():
            nonlocal gen, wait, since
            while gen is not None and (wait is None or wait.until()):
                try:
                    wait, since = next(gen), time.monotonic()
                    cr.step = wait.what
                except StopIteration:
                    gen, wait = None, None
                except PasteFailure as e:
                    cr.problems.append(f"{cr.step}: {e}; the sign-in block says: {cr.block()[:500]!r}")
                    gen, wait = None, None
                    self.interrupt(cr)

        advance()
        idle = replied = False
        deadline = t + self.run.cell_timeout
        while not (idle and replied) or (wait is not None and wait.after_end):
            now = time.monotonic()
            if now > deadline + 15:
                cr.problems.append(f"the cell did not end within {self.run.cell_timeout} s, even after an interrupt")
                break
            if now > deadline and cr.interrupted_at is None:
                cr.problems.append(f"the cell did not end within {self.run.cell_timeout} s (step: {cr.step})")
                self.interrupt(cr)
            for get in (self.kc.get_iopub_msg, self.kc.get_stdin_msg, self.kc.get_shell_msg):
                try:
                    msg = get(timeout=0.02)
                except queue.Empty:
                    continue
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                mt = msg["msg_type"]
                if get == self.kc.get_stdin_msg:
                    if mt == "input_request":
                        cr.requests.append(msg["content"])
                elif get == self.kc.get_shell_msg:
                    replied = mt == "execute_reply"
                    cr.execution_count = msg["content"].get("execution_count")
                elif mt == "status" and msg["content"].get("execution_state") == "idle":
                    idle = True
                else:
                    cr.on_iopub(msg)
            advance()
            if wait is not None and time.monotonic() - since > wait.timeout:
                cr.problems.append(f"{wait.what}: nothing after {wait.timeout} s; the sign-in block says: {cr.block()[:500]!r}")
                gen, wait = None, None
                self.interrupt(cr)
        cr.ended_at = time.monotonic()
        if wait is not None:
            cr.problems.append(f"the cell ended while the runner waited for {wait.what}; the sign-in block says: {cr.block()[:500]!r}")
        if gen is not None:
            gen.close()
        self.after(cr)
        cell.outputs = cr.outputs
        cell.execution_count = cr.execution_count
        self.cells.append(cr)
        tags = ",".join(sorted(cr.tags))
        mark = f" ({len(cr.problems)} problems, listed at the end)" if cr.problems else ""
        say(f"{self.path.name} cell {index}{' [' + tags + ']' if tags else ''}: {cr.ended_at - t:.1f} s{mark}")
        return cr

    # --- scripts (generators of PasteWait)

    def browser(self, cr, unreachable=True):
        """Signs in at the link; returns the address the browser ended on.
        unreachable: the redirect fails as if the kernel could not be
        reached (the listener never gets it), and the address is the one the
        browser tried, which a user would paste."""
        yield PasteWait("the sign-in link", lambda: cr.link, self.run.cell_timeout)
        helper = subprocess.Popen([str(self.run.helper)] + (["-unreachable"] if unreachable else []) + [cr.link],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            # The cell may end first: the redirect reached the listener.
            yield PasteWait(f"the headless sign-in (signin{' -unreachable' if unreachable else ''})",
                            lambda: helper.poll() is not None, HELPER_TIMEOUT, after_end=not unreachable)
        finally:
            if helper.poll() is None:
                helper.kill()
        out, err = helper.communicate()
        final = out.strip()
        if final:
            self.run.secrets.add_redirect(final, f"in {self.path.name} cell {cr.index}")
        if helper.returncode != 0:
            raise PasteFailure(f"the headless sign-in failed: {err.strip()[-600:]}")
        redirect_uri = query_of(cr.link)["redirect_uri"][0]
        q = query_of(final)
        if not final.startswith(redirect_uri + "?") or not q.get("code") or not q.get("state") or not q.get("iss"):
            raise PasteFailure(f"the browser did not end at the redirect URI {redirect_uri} with a code, a state "
                               f"and an iss (it has {sorted(q)})")
        if unreachable and status_kind(cr.block()) != "waiting":
            raise PasteFailure("the block is no longer waiting after the headless sign-in: the redirect reached "
                               "the listener although the browser was to fail it (signin -unreachable)")
        return final

    def check_request(self, cr, k):
        req = cr.requests[k]
        redirect_uri = query_of(cr.link)["redirect_uri"][0]
        if req.get("password") is not True:
            raise PasteFailure(f"input request {k + 1} has password={req.get('password')!r}, not true: "
                               "the pasted address (it holds a code) would be echoed")
        if redirect_uri not in req.get("prompt", ""):
            raise PasteFailure(f"input request {k + 1}'s prompt does not name the redirect URI {redirect_uri}: "
                               f"{req.get('prompt')!r}")

    def paste(self, cr, k, what, value, reason):
        """Answers input request k with value; with a reason, waits for the
        refusal, which must give it."""
        yield PasteWait(f"input request {k + 1} (for {what})", lambda: len(cr.requests) > k, PASTE_WAIT)
        cr.step = f"paste {k + 1} ({what})"
        self.check_request(cr, k)
        mark = len(cr.states[cr.did])
        t = time.monotonic()
        cr.pasted.append(value)
        self.kc.input(value)
        if reason is None:
            return

        def answered():
            return any(refusal_of(s) or status_kind(s) != "waiting" for s in cr.states[cr.did][mark:])
        yield PasteWait(f"paste {k + 1} ({what}) to be refused", answered, PASTE_WAIT)
        cr.step = f"paste {k + 1} ({what})"
        after = next(s for s in cr.states[cr.did][mark:] if refusal_of(s) or status_kind(s) != "waiting")
        why = refusal_of(after)
        if why is None:
            raise PasteFailure(f"not refused: the block went {status_kind(after)}")
        if reason not in why:
            raise PasteFailure(f"refused for another reason: {why!r} (expected one about {reason!r})")
        say(f"{self.path.name} cell {cr.index}: paste {k + 1} ({what}) refused in "
            f"{time.monotonic() - t:.2f} s: {why[:90]}{'...' if len(why) > 90 else ''}")

    def tampered_then_real(self, cr):
        final = yield from self.browser(cr)
        cr.final = final
        cr.step = "making the tampered addresses"
        steps = paste_tampers(final)
        for k, (what, value, reason) in enumerate(steps):
            if value == final or query_of(value).get("code", [None])[0] not in (None, query_of(final)["code"][0]):
                raise PasteFailure(f"runner bug: the tampered address ({what}) is not a copy of the real one")
            yield from self.paste(cr, k, what, value, reason)
        yield from self.paste(cr, len(steps), "the real address", final, None)
        yield PasteWait("the sign-in to finish after the real address",
                        lambda: status_kind(cr.block()) not in ("waiting", "exchanging"), 60)
        if status_kind(cr.block()) != "signed-in":
            raise PasteFailure(f"after the real address the block ended {status_kind(cr.block())}, not \"Signed in\"")
        self.first_final = final

    def refused_then_interrupt(self, cr):
        own = yield from self.browser(cr)
        cr.final = own
        steps = [("this sign-in's own address with another state", with_query(own, state=pysecrets.token_urlsafe(32)),
                  "its state does not match")]
        if self.first_final:
            steps.insert(0, ("the first sign-in's address, replayed to this listener's port",
                             with_port(self.first_final, urllib.parse.urlsplit(own).port), "its state does not match"))
        for k, (what, value, reason) in enumerate(steps):
            yield from self.paste(cr, k, what, value, reason)
        yield PasteWait(f"input request {len(steps) + 1} (asking again)", lambda: len(cr.requests) > len(steps), PASTE_WAIT)
        self.interrupt(cr)

    def redirect_wins(self, cr):
        # The browser reaches the listener: the redirect must win although
        # the input box is never answered, and the cell must not hang on it.
        cr.final = yield from self.browser(cr, unreachable=False)
        yield PasteWait("the sign-in to finish through the listener (nothing pasted)",
                        lambda: status_kind(cr.block()) not in ("waiting", "exchanging"), 60)
        if status_kind(cr.block()) != "signed-in":
            raise PasteFailure(f"the block ended {status_kind(cr.block())}, not \"Signed in\"")

    def late_reply(self, cr):
        # The input box of the cell before was never answered, and GoNB
        # cannot withdraw it: a front end keeps showing it. An answer now
        # must go nowhere (not into this cell's program, not an error).
        self.kc.input("a late answer to the input box of an ended cell")
        return
        yield

    # --- checks after a cell

    def after(self, cr):
        self.run.secrets.add_store(self.config_dir, f"after {self.path.name} cell {cr.index}")
        p = cr.problems
        if cr.script == "tampered-then-real":
            if len(cr.requests) != 5:
                p.append(f"{len(cr.requests)} input requests, not 5 (the first, and one after each of 4 refused pastes)")
            kind = status_kind(cr.block())
            if kind != "signed-in":
                p.append(f"the sign-in block ended {kind}, not \"Signed in\": {cr.block()[:400]!r}")
            if cr.interrupted_at is not None:
                p.append("the kernel had to be interrupted")
        if cr.script == "redirect-wins":
            if len(cr.requests) != 1:
                p.append(f"{len(cr.requests)} input requests, not 1 (asked once, never answered)")
            else:
                try:
                    self.check_request(cr, 0)
                except PasteFailure as e:
                    p.append(str(e))
            if status_kind(cr.block()) != "signed-in":
                p.append(f"the sign-in block ended {status_kind(cr.block())}, not \"Signed in\": {cr.block()[:400]!r}")
        if cr.script == "late-reply":
            if cr.requests:
                p.append(f"{len(cr.requests)} input requests in a cell that asks for none")
            if any(o.get("output_type") == "error" or o.get("name") == "stderr" for o in cr.outputs):
                p.append(f"the late answer caused an error or stderr output: {json.dumps(cr.outputs)[:400]}")
        if cr.script == "refused-then-interrupt":
            kind = status_kind(cr.block())
            if kind == "signed-in":
                p.append("the sign-in block ended \"Signed in\" although only refused addresses were pasted")
            elif kind != "cancelled":
                p.append(f"after the interrupt the sign-in block ended {kind}, not cancelled: {cr.block()[:400]!r}")
            if cr.interrupted_at is not None:
                took = cr.ended_at - cr.interrupted_at
                if took >= SIGKILL_AFTER - 0.5:
                    p.append(f"the cell took {took:.1f} s to end after the interrupt: GoNB's SIGKILL, not Login, ended it")
                else:
                    say(f"{self.path.name} cell {cr.index}: ended {took:.2f} s after the interrupt")
        if cr.script:
            if any(o.get("output_type") == "error" for o in cr.outputs) and "expect-error" not in cr.tags:
                errs = [o.get("evalue", "")[:200] for o in cr.outputs if o.get("output_type") == "error"]
                p.append(f"error output: {errs}")
            if cr.link:
                port = redirect_port(cr.link)
                if not port_is_free(port):
                    p.append(f"the redirect listener's port {port} still accepts connections after the cell")
            # Nothing the kernel published may hold a pasted address or its
            # code: the input box is a password box, and refusals must not
            # repeat what was pasted.
            values = {}
            for v in cr.pasted + ([cr.final] if cr.final else []):
                values[v] = "a pasted address"
                for c in query_of(v).get("code", []):
                    values[c] = "the authorization code of a pasted address"
            for mt, blob in cr.raw:
                for v, kind in values.items():
                    if v in blob or json.dumps(v)[1:-1] in blob:
                        p.append(f"an iopub {mt} message holds {kind}")
            # The server: the real code was redeemed exactly once (by the
            # real paste), the code of a refused-only sign-in never.
            if cr.final:
                code = query_of(cr.final)["code"][0]
                n = sum(1 for rec in self.token_requests() if rec.get("code") == code)
                want = 0 if cr.script == "refused-then-interrupt" else 1
                if n != want:
                    p.append(f"the browser's authorization code reached the token endpoint {n} times, not {want}")

    def token_requests(self):
        try:
            lines = self.run.secrets_file.read_text().splitlines()
        except FileNotFoundError:
            return []
        return [r for r in (json.loads(ln) for ln in lines if ln.strip()) if r.get("path") == "/token"]


def check_raw(pr, secrets):
    """Every message the paste run's cells published, against every secret of the run."""
    problems = []
    for cr in pr.cells:
        for mt, blob in cr.raw:
            for value, kind in secrets.kinds.items():
                if value in blob:
                    problems.append(f"{cell_label('testdata/' + pr.path.name, cr.index, cr.cell)}: an iopub {mt} message holds {kind}")
    return problems


def run_paste(run, path, out_path):
    """Runs the paste notebook; returns (notebook, problems, seconds). Its
    outputs go to out_path only, never back into notebooks/."""
    name = "testdata/" + path.name
    nb = nbformat.read(path, as_version=4)
    config_dir = Path(tempfile.mkdtemp(prefix="config-paste-", dir=run.work))
    kernel_log = run.work / (path.stem + ".kernel.log")
    pr = PasteRun(run, path, config_dir, kernel_log)
    problems = []
    t = time.monotonic()
    with open(kernel_log, "w") as log:
        try:
            pr.start(log)
            say(f"{name}: kernel started in {time.monotonic() - t:.1f} s (GONBAUTH_MODE=paste, allow_stdin)")
            for i, cell in enumerate(nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                cr = pr.execute(i, cell)
                problems += [f"{cell_label(name, i, cell)}: {q}" for q in cr.problems]
        except Exception as e:  # the kernel did not start, and the like
            problems.append(f"{name}: {type(e).__name__}: {e}")
        finally:
            pr.stop()
    elapsed = time.monotonic() - t
    run.secrets.add_server_log(run.secrets_file)
    problems = run.finish(name, nb, problems, config_dir, kernel_log, out_path)
    return nb, pr, problems, elapsed


# --- self-test -----------------------------------------------------------------------


def synthetic():
    """A small executed notebook that passes the checks, and its secrets."""
    v4 = nbformat.v4
    token = "tok_" + pysecrets.token_urlsafe(32)
    code = pysecrets.token_urlsafe(32)
    signed = ("Signed in to 127.0.0.1:1 as Dev User alice <alice@example.test>. "
              "Token expires at 10:00:00 UTC; scopes: openid profile email offline_access.")
    setup = v4.new_code_cell("!*go mod edit ...")
    signin = v4.new_code_cell("sess, err := gonbauth.Login(ctx, nil)", metadata={
        "tags": ["signin"], "gonbauth": {"expect": ['"sub": "alice"']}})
    signin.outputs = [
        v4.new_output("display_data", data={"text/html": "<div>✅ Signed in</div>", "text/plain": signed}),
        v4.new_output("stream", name="stdout", text='{\n  "sub": "alice"\n}\n'),
    ]
    failed = v4.new_code_cell("gonbauth.Login(ctx, &gonbauth.Config{Timeout: 3 * time.Second})", metadata={
        "tags": ["expect-error"], "gonbauth": {"expect": ["sign-in timed out"]}})
    failed.outputs = [
        v4.new_output("display_data", data={"text/html": "<div>❌ failed</div>",
                                            "text/plain": "Sign-in to 127.0.0.1:1 failed: gonbauth: sign-in timed out: ..."}),
        v4.new_output("stream", name="stderr", text="2026/01/01 gonbauth: sign-in timed out: ...\nexit status 1\n"),
    ]
    plain = v4.new_code_cell('%%\nfmt.Println("hello")')
    plain.outputs = [v4.new_output("stream", name="stdout", text="hello\n")]
    page = v4.new_code_cell("srv, err := example.Start(ctx, example.Options{})", metadata={
        "tags": ["browser-page"], "gonbauth": {"expect": ["The page signed in as alice"]}})
    page.outputs = [
        v4.new_output("display_data", data={
            "text/html": '<div><iframe src="http://127.0.0.1:3/" title="t"></iframe>'
                         '<a href="http://127.0.0.1:3/">http://127.0.0.1:3/</a></div>',
            "text/plain": "The example page is served by this cell at:\nhttp://127.0.0.1:3/\nOpen it.\n"}),
        v4.new_output("stream", name="stdout", text="The page signed in as alice: a Bearer token.\n"),
    ]
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# test"), setup, signin, failed, plain, page])
    s = Secrets()
    s.add(token, "an access token (planted)")
    s.add(code, "an authorization code (planted)")
    return nb, s, token, code


WAITING = ("Sign in to 127.0.0.1:1 by opening this link in your browser:\n"
           "http://127.0.0.1:1/auth?client_id=c&code_challenge=x&redirect_uri=http%3A%2F%2F127.0.0.1%3A2%2Fcallback\n"
           "Waiting for the sign-in (4m50s left).")


def doctored(nb, token):
    """(description, notebook, word the problem must contain) for each planted fault.
    For a signin cell (whose outputs include its signed-in display) and for a
    browser-page cell (whose outputs include its page), when nb has them."""
    cases = []

    def variant(desc, word, change):
        d = copy.deepcopy(nb)
        change(d)
        cases.append((desc, d, word))

    k = next((k for k, c in enumerate(nb.cells) if "browser-page" in cell_tags(c)), None)
    if k is not None:
        page = next(j for j, o in enumerate(nb.cells[k].outputs) if o.output_type == "display_data"
                    and page_of(o.data)[0])
        url = page_of(nb.cells[k].outputs[page].data)[0]

        def drop_url(d):
            d.cells[k].outputs[page].data["text/plain"] = plain_of(d.cells[k].outputs[page].data).replace(url + "\n", "")
        variant("a page whose URL is not alone on a line of text/plain", "not alone on a line", drop_url)
        variant("a browser-page cell without its page", "shows 0 pages",
                lambda d: d.cells[k].outputs.pop(page))
        variant("a page in a cell not tagged browser-page", "not tagged browser-page",
                lambda d: d.cells[k].metadata.update(tags=[t for t in cell_tags(d.cells[k]) if t != "browser-page"]))
        variant("a page's token in its cell's stream", "holds", lambda d: d.cells[k].outputs.append(
            nbformat.v4.new_output("stream", name="stdout", text=f"token: {token}\n")))
        variant("a verifier-shaped run in a page cell", "base64url run", lambda d: d.cells[k].outputs.append(
            nbformat.v4.new_output("stream", name="stdout", text=f"verifier {pysecrets.token_urlsafe(32)}\n")))
        variant("a code= parameter in a page's HTML", "secret parameter",
                lambda d: d.cells[k].outputs[page].data.update(
                    {"text/html": html_of(d.cells[k].outputs[page].data) + '<a href="/callback.html?code=x&amp;state=y">'}))
        variant("an access_token JSON member in a stream", "secret parameter", lambda d: d.cells[k].outputs.append(
            nbformat.v4.new_output("stream", name="stdout", text='{"access_token": "short"}\n')))
        variant("the page cell without its result", "expected text", lambda d: d.cells[k].update(
            outputs=[o for o in d.cells[k].outputs if o.output_type != "stream"]))

    i = next((i for i, c in enumerate(nb.cells) if "signin" in cell_tags(c)), None)
    if i is None:
        return cases
    disp = next(j for j, o in enumerate(nb.cells[i].outputs) if o.output_type == "display_data"
                and status_kind(plain_of(o.data)) == "signed-in")

    variant("a display without text/plain", "without text/plain",
            lambda d: d.cells[i].outputs[disp].data.pop("text/plain"))
    variant("a planted token in a stream", "holds", lambda d: d.cells[i].outputs.append(
        nbformat.v4.new_output("stream", name="stdout", text=f"token: {token}\n")))
    variant("a planted token in cell metadata", "holds",
            lambda d: d.cells[i].metadata.update({"note": token}))
    variant("an unfinished sign-in (link still waiting)", "unfinished",
            lambda d: d.cells[i].outputs[disp].data.update({"text/plain": WAITING}))
    variant("a sign-in that failed in a signin cell", "not \"Signed in\"",
            lambda d: d.cells[i].outputs[disp].data.update(
                {"text/plain": "Sign-in to 127.0.0.1:1 failed: gonbauth: sign-in timed out"}))
    variant("a JWT-shaped string", "JWT", lambda d: d.cells[i].outputs.append(nbformat.v4.new_output(
        "stream", name="stdout", text="eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl\n")))
    variant("an error output", "error output", lambda d: d.cells[i].outputs.append(
        nbformat.v4.new_output("error", ename="ERROR", evalue="boom", traceback=["boom"])))
    variant("a panic trace", "panic", lambda d: d.cells[i].outputs.append(nbformat.v4.new_output(
        "stream", name="stderr", text="panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n")))
    variant("a failing exit", "exit status", lambda d: d.cells[i].outputs.append(
        nbformat.v4.new_output("stream", name="stderr", text="exit status 1\n")))
    variant("a missing API result", "expected text", lambda d: d.cells[i].metadata.setdefault(
        "gonbauth", {}).setdefault("expect", []).append("a text no output has"))
    variant("a code= parameter in a stream", "secret parameter", lambda d: d.cells[i].outputs.append(
        nbformat.v4.new_output("stream", name="stdout", text="http://127.0.0.1:1/callback?state=s&code=c\n")))
    return cases


def self_test(nb, secrets, token, name):
    """Asserts that nb passes and that every doctored copy fails. Returns problems."""
    problems = []
    base = check_notebook(nb, secrets, name)
    if base:
        return [f"self-test: the undoctored {name} fails the checks: {p}" for p in base]
    cases = doctored(nb, token)
    if not cases:
        return [f"self-test: {name} has no signin or browser-page cell to doctor"]
    for desc, d, word in cases:
        found = check_notebook(d, secrets, name)
        if not any(word in p for p in found):
            problems.append(f"self-test: {desc} in {name} was not caught (problems: {found})")
        else:
            say(f"self-test: caught {desc} in {name}")
    return problems


def paste_self_test():
    """The paste run's tampering and reading of refusals, without a kernel."""
    problems = []
    code, state = pysecrets.token_urlsafe(32), pysecrets.token_urlsafe(32)
    final = f"http://127.0.0.1:40000/callback?code={code}&state={state}&iss=http%3A%2F%2F127.0.0.1%3A1234"
    got = {what: (query_of(v), urllib.parse.urlsplit(v), reason) for what, v, reason in paste_tampers(final)}
    want = {  # what must differ from final, and what must stay
        "the address with another state": lambda q, u: q["state"][0] != state and q["code"] == [code] and u.port == 40000,
        "the address with iss of another issuer": lambda q, u: q["iss"] == [OTHER_ISSUER] and q["state"] == [state],
        "a forged error response (error=access_denied, a wrong state)":
            lambda q, u: q["error"] == ["access_denied"] and "code" not in q and q["state"][0] != state
            and q["iss"] == ["http://127.0.0.1:1234"] and u.port == 40000,
        "the address with another redirect port":
            lambda q, u: u.port != 40000 and q["code"] == [code] and q["state"] == [state] and u.path == "/callback",
    }
    if sorted(got) != sorted(want):
        problems.append(f"self-test: paste_tampers makes {sorted(got)}, not {sorted(want)}")
    for what, ok in want.items():
        if what in got and not ok(*got[what][:2]):
            problems.append(f"self-test: paste_tampers: {what} is not what it says: {got[what][0]}")
    if query_of(with_query(final, state=state)) != query_of(final) or with_port(final, 40000) != final:
        problems.append("self-test: with_query or with_port changes an address it should keep")
    block = ("Sign in to h by opening this link in your browser:\nhttp://h/auth?redirect_uri=x\n"
             "The pasted address was refused: that address is not where this sign-in sends the browser: "
             "it must start with http://127.0.0.1:2/callback (an address from another sign-in or another port "
             "will not do). Paste it again.\nWaiting for the sign-in (4m50s left). Mode: paste, because x; y.")
    why = refusal_of(block)
    if not why or not why.endswith("will not do)") or "not where this sign-in sends the browser" not in why:
        problems.append(f"self-test: refusal_of read {why!r} from a refused paste's block")
    if refusal_of(WAITING) is not None:
        problems.append("self-test: refusal_of found a refusal in a block without one")
    if not problems:
        say("self-test: the paste run's tampered addresses and refusal reading are right")
    return problems


def run_self_test():
    nb, secrets, token, code = synthetic()
    problems = self_test(nb, secrets, token, "synthetic.ipynb")
    problems += paste_self_test()
    # The expect-error cell: a panic there is still a failure, a missing
    # expected error text too, a planted code too.
    d = copy.deepcopy(nb)
    d.cells[3].outputs[1].text += "panic: runtime error\ngoroutine 1 [running]:\n"
    if not any("panic" in p for p in check_notebook(d, secrets, "synthetic.ipynb")):
        problems.append("self-test: a panic in an expect-error cell was not caught")
    d = copy.deepcopy(nb)
    d.cells[3].metadata["gonbauth"]["expect"] = ["port 8085 on 127.0.0.1"]
    if not any("expected text" in p for p in check_notebook(d, secrets, "synthetic.ipynb")):
        problems.append("self-test: an expect-error cell without its expected error was not caught")
    d = copy.deepcopy(nb)
    d.cells[4].outputs.append(nbformat.v4.new_output("display_data", data={"text/plain": f"code={code}"}))
    if not any("authorization code" in p for p in check_notebook(d, secrets, "synthetic.ipynb")):
        problems.append("self-test: a planted authorization code was not caught")
    d = copy.deepcopy(nb)
    d.cells[4].outputs.append(nbformat.v4.new_output("display_data", data={"text/html": "<b>only html</b>"}))
    if not any("without text/plain" in p for p in check_notebook(d, secrets, "synthetic.ipynb")):
        problems.append("self-test: an HTML-only display was not caught")
    # The runtime side: a display message without text/plain and a link
    # whose HTML and text disagree.
    _, bad = sign_in_link({"text/html": '<a href="http://h/auth?redirect_uri=x">x</a>', "text/plain": "no link"})
    if not bad:
        problems.append("self-test: a link missing from text/plain was not caught")
    return problems


# --- serve: the bundled server and Jupyter, by hand -------------------------------------


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def notebook_copies(work):
    """Copies of the example notebooks (only notebooks/*.ipynb) in work/notebooks,
    for `make notebook`: Jupyter saves, autosaves and checkpoints there, never in
    the checkout. The notebooks' first cell points GoNB at ${GONB_DIR}/.., so
    work/ stands in for the checkout: a symbolic link to each of its top-level
    entries except notebooks/ and .git. Returns the notebooks' folder."""
    nb_dir = Path(work) / "notebooks"
    nb_dir.mkdir()
    for p in sorted(NB_DIR.glob("*.ipynb")):
        shutil.copyfile(p, nb_dir / p.name)
    for entry in REPO.iterdir():
        if entry.name not in ("notebooks", ".git"):
            (Path(work) / entry.name).symlink_to(entry)
    return nb_dir


def serve():
    jupyter = shutil.which("jupyter-notebook", path="/usr/bin") or shutil.which("jupyter-notebook")
    if not jupyter:
        sys.exit("run.py: jupyter-notebook not found: .ci/install-deps notebook (apt-get install jupyter-notebook)")
    build_module(fatal=False)  # for browser-pkce.ipynb
    work = Path(tempfile.mkdtemp(prefix="gonbauth-notebook-"))
    try:
        nb_dir = notebook_copies(work)
        server = DevServer(work / "devserver.log")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    config_dir = work / "signins"
    port, token = free_port(), pysecrets.token_urlsafe(24)
    env = kernel_env(server, config_dir)
    cmd = [jupyter, "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
           f"--notebook-dir={nb_dir}", f"--NotebookApp.token={token}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")  # containers and CI machines; Jupyter refuses root otherwise
    log_path = work / "jupyter.log"
    nbserver = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=open(log_path, "w"), start_new_session=True)
    stopping = []

    def stop(*_):
        stopping.append(1)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    url = f"http://127.0.0.1:{port}/tree?token={token}"
    try:
        deadline = time.monotonic() + 60
        while not stopping:
            if nbserver.poll() is not None:
                raise SystemExit(f"run.py: Jupyter exited ({nbserver.returncode}):\n{log_path.read_text(errors='replace')[-3000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/kernelspecs?token={token}", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"run.py: Jupyter did not answer within 60 s:\n{log_path.read_text(errors='replace')[-3000:]}")
                time.sleep(0.3)
        if not stopping:
            print(f"""
Development authorization server: {server.issuer} (client {server.client_id}); any user name and password work.
Sign-ins are saved in {config_dir}.
The notebooks are copies in {nb_dir}: what you change there is removed when this stops
(the checkout's notebooks/ is left as it is).

Open the notebooks (kernel "Go (gonb)") at:

    {url}

Ctrl-C stops Jupyter and the server.
""", flush=True)
        while not stopping and nbserver.poll() is None and server.proc.poll() is None:
            time.sleep(0.3)
        if not stopping:
            say("Jupyter or the development server exited; stopping. Jupyter's log:\n"
                + log_path.read_text(errors="replace")[-3000:])
    finally:
        if nbserver.poll() is None:
            nbserver.terminate()  # the Notebook server stops its kernels on SIGTERM
            try:
                nbserver.wait(20)
            except subprocess.TimeoutExpired:
                nbserver.kill()
                nbserver.wait()
        server.close()
        shutil.rmtree(work, ignore_errors=True)
        say("stopped Jupyter and the development server; removed the copies")


def git_status():
    return subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--ignored=matching", "--", "notebooks"],
                          cwd=REPO, check=True, stdout=subprocess.PIPE, text=True).stdout


def serve_check():
    """`make notebook` end to end, without a person: start `run.py --serve`, list
    the notebooks through the Notebook server's contents API on 127.0.0.1, save
    one and checkpoint it as Jupyter's editor does, stop it with Ctrl-C (SIGINT),
    and check that notebooks/ in the checkout is as before (git status, ignored
    files included) and the copies are gone. Returns the problems found."""
    if not (shutil.which("jupyter-notebook", path="/usr/bin") or shutil.which("jupyter-notebook")):
        msg = "jupyter-notebook not found: .ci/install-deps notebook (apt-get install jupyter-notebook)"
        if os.environ.get("CI") == "true":
            return [msg]
        say("serve check skipped: " + msg)
        return []
    problems = []
    before = git_status()
    want = sorted(p.name for p in NB_DIR.glob("*.ipynb"))
    originals = {n: (NB_DIR / n).read_bytes() for n in want}
    proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve"], cwd=REPO,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, found = [], queue.Queue()

    def read():
        for line in proc.stdout:
            lines.append(line)
            m = re.search(r"(http://127\.0\.0\.1:(\d+))/tree\?token=(\S+)", line)
            if m:
                found.put((m.group(1), m.group(3)))
            m = re.search(r"The notebooks are copies in (\S+):", line)
            if m:
                found.put(Path(m.group(1)))
        found.put(None)

    threading.Thread(target=read, daemon=True).start()
    base = token = copies = None
    try:
        deadline = time.monotonic() + 180
        while base is None:
            try:
                item = found.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                item = None
            if item is None:
                return [f"serve check: no URL from run.py --serve:\n{''.join(lines)[-3000:]}"]
            if isinstance(item, Path):
                copies = item
            else:
                base, token = item

        def api(method, path, body=None):
            req = urllib.request.Request(f"{base}/api/contents{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode(),
                                         headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as r:
                return json.loads(r.read() or b"null")

        listing = api("GET", "")
        got = sorted(f"{c['name']} ({c['type']})" for c in listing["content"])
        if got != [f"{n} (notebook)" for n in want]:
            problems.append(f"serve check: the Notebook server lists {got}, want only the notebooks {want}")
        # What Jupyter's editor does: save (with a change) and checkpoint.
        name = want[0]
        model = api("GET", f"/{name}")
        model["content"]["metadata"]["serve_check"] = "edited"
        api("PUT", f"/{name}", {"type": "notebook", "format": "json", "content": model["content"]})
        api("POST", f"/{name}/checkpoints")
        if copies is None or not (copies / ".ipynb_checkpoints").is_dir():
            problems.append(f"serve check: no .ipynb_checkpoints in the copies' folder {copies}: "
                            "the save went elsewhere")
    except (OSError, ValueError, KeyError) as e:
        problems.append(f"serve check: talking to the Notebook server: {e}\n{''.join(lines)[-3000:]}")
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            problems.append("serve check: run.py --serve did not stop within 60 s of Ctrl-C")
    if proc.returncode != 0:
        problems.append(f"serve check: run.py --serve exited {proc.returncode}:\n{''.join(lines)[-3000:]}")
    after = git_status()
    if after != before:
        problems.append(f"serve check: notebooks/ changed in the checkout (git status before:\n{before}after:\n{after})")
    changed = [n for n, data in originals.items() if (NB_DIR / n).read_bytes() != data]
    if changed:
        problems.append(f"serve check: {', '.join(changed)} changed in the checkout")
    if (NB_DIR / ".ipynb_checkpoints").exists():
        problems.append("serve check: notebooks/.ipynb_checkpoints appeared in the checkout")
    if copies is not None and copies.exists():
        problems.append(f"serve check: the copies in {copies} were not removed")
    if not problems:
        say(f"serve check passed: listed {', '.join(want)}; the checkout's notebooks/ is unchanged")
    return problems


# --- main ------------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="notebooks to run (default: all, and the interrupt and paste runs)")
    ap.add_argument("--write", action="store_true", help="write the executed notebooks back into notebooks/")
    ap.add_argument("--out", help="directory for the executed notebooks (default: a new temporary one)")
    ap.add_argument("--self-test", action="store_true", help="only check that the checker catches doctored notebooks")
    ap.add_argument("--no-interrupt", action="store_true", help="skip the interrupt run")
    ap.add_argument("--no-paste", action="store_true", help="skip the paste run")
    ap.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT, help="seconds a cell may run (default %(default)s)")
    ap.add_argument("--serve", action="store_true", help="start the server and Jupyter Notebook for trying by hand")
    ap.add_argument("--serve-check", action="store_true",
                    help="check --serve: it lists only the notebooks and leaves the checkout as it was")
    args = ap.parse_args()

    if args.serve:
        return serve()
    if args.serve_check:
        problems = serve_check()
        for p in problems:
            say("FAIL", p)
        return 1 if problems else 0
    if args.self_test:
        t = time.monotonic()
        problems = run_self_test()
        for p in problems:
            say("FAIL", p)
        say(f"self-test {'FAILED' if problems else 'passed'} in {time.monotonic() - t:.1f} s")
        return 1 if problems else 0

    paths = sorted(NB_DIR.glob("*.ipynb"))
    if args.names:
        wanted = {n if n.endswith(".ipynb") else n + ".ipynb" for n in args.names}
        paths = [p for p in paths if p.name in wanted]
        missing = wanted - {p.name for p in paths}
        if missing:
            sys.exit(f"run.py: no such notebook in {NB_DIR}: {', '.join(sorted(missing))}")
    interrupt = not args.names and not args.no_interrupt
    paste = not args.names and not args.no_paste
    kept = []
    for p in paths:
        why = nbformat.read(p, as_version=4).metadata.get("gonbauth", {}).get("skip")
        if why:
            say(f"{p.name}: skipped ({why})")
        else:
            kept.append(p)
    skipped = len(paths) - len(kept)
    paths = kept
    outcomes = []  # (run name, passed), for the closing count

    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="gonbauth-nbrun-"))
    out_dir = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="gonbauth-notebooks-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    problems, timings, results = [], [], {}
    paste_run = None
    run = Run(work, args.cell_timeout)
    try:
        for p in paths:
            nb, probs, elapsed = run.execute(p, out_dir / p.name)
            results[p.name] = nb
            timings.append((p.name, elapsed))
            problems += probs
            outcomes.append((p.name, not probs))
            say(f"{p.name}: {elapsed:.1f} s, {'FAILED' if probs else 'ok'}")
        if interrupt:
            _, probs, elapsed = run.execute(INTERRUPT_NB, out_dir / ("testdata-" + INTERRUPT_NB.name))
            timings.append(("testdata/" + INTERRUPT_NB.name, elapsed))
            problems += probs
            outcomes.append(("testdata/" + INTERRUPT_NB.name, not probs))
            say(f"testdata/{INTERRUPT_NB.name}: {elapsed:.1f} s, {'FAILED' if probs else 'ok'}")
        if paste:
            _, paste_run, probs, elapsed = run_paste(run, PASTE_NB, out_dir / ("testdata-" + PASTE_NB.name))
            timings.append(("testdata/" + PASTE_NB.name, elapsed))
            problems += probs
            outcomes.append(("testdata/" + PASTE_NB.name, not probs))
            say(f"testdata/{PASTE_NB.name}: {elapsed:.1f} s, {'FAILED' if probs else 'ok'}")
    finally:
        run.close()

    # The server's log is complete now: check every result again with every
    # secret of the run, and that the checks catch faults planted in a real one.
    before_final = len(problems)
    for p in paths:
        again = check_notebook(nbformat.read(out_dir / p.name, as_version=4), run.secrets, p.name)
        problems += [q for q in again if q not in problems]
    if paste_run is not None:
        name = "testdata/" + PASTE_NB.name
        again = check_notebook(nbformat.read(out_dir / ("testdata-" + PASTE_NB.name), as_version=4), run.secrets, name)
        again += check_raw(paste_run, run.secrets)
        problems += [q for q in again if q not in problems]
    real_token = next((v for v, k in run.secrets.kinds.items()
                       if k.startswith("an access token") and "received by the page" not in k), None)
    real = next((nb for nb in results.values() if any("signin" in cell_tags(c) for c in nb.cells)), None)
    page_token = next((v for v, k in run.secrets.kinds.items()
                       if k.startswith("an access token (received by the page")), None)
    page_nb = next((nb for nb in results.values() if has_page_cell(nb)), None)
    tested = False
    if real is not None and real_token and not problems:
        problems += self_test(real, run.secrets, real_token, next(n for n, nb in results.items() if nb is real))
        tested = True
    if page_nb is not None and page_token and not problems:
        problems += self_test(page_nb, run.secrets, page_token, next(n for n, nb in results.items() if nb is page_nb))
        tested = True
    if paths and not problems and (not tested or (real is not None and not real_token)
                                   or (page_nb is not None and not page_token)):
        problems.append("self-test on the real results: no signed-in notebook, or no token was recorded")

    for name, elapsed in timings:
        say(f"  {elapsed:6.1f} s  {name}")
    say(f"{len(run.secrets)} secrets of this run searched for; executed notebooks in {out_dir}")
    if args.write:
        if problems:
            say(f"not written back into {NB_DIR}: the run failed")
        else:
            for p in paths:
                shutil.copyfile(out_dir / p.name, p)
            say(f"written back into {NB_DIR}: {', '.join(p.name for p in paths)}")
    for p in problems:
        say("FAIL", p)
    if problems:
        say(f"kernel logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    say(f"{'FAILED' if problems else 'passed'} in {time.monotonic() - t0:.1f} s")
    # The final checks (every secret, faults planted in a real result) count
    # as one more run.
    outcomes.append(("final checks", len(problems) == before_final))
    passed = sum(ok for _, ok in outcomes)
    line = f"notebooks: {passed} passed, {len(outcomes) - passed} failed"
    print(line + (f", {skipped} skipped" if skipped else ""), flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
