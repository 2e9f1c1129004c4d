"""The paste run: notebooks/testdata/paste.ipynb tests paste mode end to end.

Its kernel has the runner's environment but GONBAUTH_MODE=paste, and allow_stdin
(kernel.Kernel answers input requests). Each code cell's metadata
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

Each script is a generator that yields PasteWait(what, until, timeout) and
goes on once until() is true. A script that raises PasteFailure, or a wait
that times out, fails the cell loudly (the step, and what the sign-in block
said) and interrupts the kernel so that the cell ends at once.

After each cell: no error output (except expect-error cells), the listener's
port free, and no iopub message of the cell (every display state, stream,
error) holding a pasted address or its code; at the end every such message
(checks.check_raw) and the outputs are searched for every secret of the run,
and the notebook goes through checks.check_notebook.
"""

import json
import re
import secrets as pysecrets
import subprocess
import time
import urllib.parse

from .common import HELPER_TIMEOUT, say
from .devserver import kernel_env, token_requests
from .kernel import Kernel, Watcher, code_cells
from .outputs import cell_label, port_is_free, redirect_port, status_kind
from .runner import check_interrupt, report_cell

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


class PasteCell(Watcher):
    """One cell's script, run by the driver as its watcher. Reads of what the
    driver saw (requests, states, block(), ...) go to the cell's Execution."""

    def __init__(self, pr, cell):
        self.pr = pr
        self.script = cell.get("metadata", {}).get("gonbauth", {}).get("paste")
        self.ex = None
        self.gen = self.wait = None
        self.since = 0
        self.pasted = []  # what was answered, in order (secret: the real one holds a code)
        self.final = None  # the address the browser tried (a secret)

    def __getattr__(self, name):
        return getattr(self.__dict__["ex"], name)

    @property
    def link(self):
        return self.ex.first_link()[1]

    @property
    def did(self):
        return self.ex.first_link()[0]

    def set_step(self, what):
        self.ex.step = what

    def on_link(self, ex, did, link):
        if did != self.did:
            ex.problems.append("a second sign-in block with a link")

    def busy(self, ex):
        return self.wait is not None and self.wait.after_end

    def step(self, ex):
        if self.ex is None:
            self.ex = ex
            script = self.pr.scripts.get(self.script)
            if self.script and script is None:
                ex.problems.append(f"unknown gonbauth.paste script {self.script!r}")
            self.gen = script(self) if script else None
        while self.gen is not None and (self.wait is None or self.wait.until()):
            try:
                self.wait, self.since = next(self.gen), time.monotonic()
                ex.step = self.wait.what
            except StopIteration:
                self.gen = self.wait = None
            except PasteFailure as e:
                ex.problems.append(f"{ex.step}: {e}; the sign-in block says: {ex.block()[:500]!r}")
                self.gen = self.wait = None
                self.pr.kernel.interrupt(ex)
        if self.wait is not None and time.monotonic() - self.since > self.wait.timeout:
            ex.problems.append(f"{self.wait.what}: nothing after {self.wait.timeout} s; "
                               f"the sign-in block says: {ex.block()[:500]!r}")
            self.gen = self.wait = None
            self.pr.kernel.interrupt(ex)

    def end(self):
        """After the driver returns: a wait left open is a failure."""
        if self.wait is not None:
            self.ex.problems.append(f"the cell ended while the runner waited for {self.wait.what}; "
                                    f"the sign-in block says: {self.ex.block()[:500]!r}")
        if self.gen is not None:
            self.gen.close()


class PasteRun:
    """Runs notebooks/testdata/paste.ipynb on a gonb kernel started with
    GONBAUTH_MODE=paste, acting as the person who pastes addresses."""

    def __init__(self, run, path, config_dir):
        self.run, self.path, self.config_dir = run, path, config_dir
        self.kernel = None
        self.first_final = None  # the signed-in cell's real address, replayed later
        self.cells = []  # the Execution of each cell
        self.cell_timeout = run.cell_timeout
        self.scripts = {"tampered-then-real": self.tampered_then_real,
                        "refused-then-interrupt": self.refused_then_interrupt,
                        "redirect-wins": self.redirect_wins,
                        "late-reply": self.late_reply}

    def start(self, log):
        env = kernel_env(self.run.server, self.config_dir)
        env["GONBAUTH_MODE"] = "paste"  # the browser cannot reach the kernel: paste the address
        self.kernel = Kernel(env, self.path.parent, log, allow_stdin=True)

    def stop(self):
        if self.kernel is not None:
            self.kernel.stop()

    def execute(self, index, cell):
        cr = PasteCell(self, cell)
        ex = self.kernel.execute(index, cell, cr, self.cell_timeout)
        cr.end()
        self.after(cr)
        self.cells.append(ex)
        report_cell(self.path.name, ex)
        return ex

    # --- scripts (generators of PasteWait)

    def browser(self, cr, unreachable=True):
        """Signs in at the link; returns the address the browser ended on.
        unreachable: the redirect fails as if the kernel could not be
        reached (the listener never gets it), and the address is the one the
        browser tried, which a user would paste."""
        yield PasteWait("the sign-in link", lambda: cr.link, self.cell_timeout)
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
        cr.set_step(f"paste {k + 1} ({what})")
        self.check_request(cr, k)
        mark = len(cr.states[cr.did])
        t = time.monotonic()
        cr.pasted.append(value)
        self.kernel.input(value)
        if reason is None:
            return

        def answered():
            return any(refusal_of(s) or status_kind(s) != "waiting" for s in cr.states[cr.did][mark:])
        yield PasteWait(f"paste {k + 1} ({what}) to be refused", answered, PASTE_WAIT)
        cr.set_step(f"paste {k + 1} ({what})")
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
        cr.set_step("making the tampered addresses")
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
        self.kernel.interrupt(cr.ex)

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
        self.kernel.input("a late answer to the input box of an ended cell")
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
                check_interrupt(cr.ex, f"{self.path.name} cell {cr.index}", None)
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
                n = sum(1 for rec in token_requests(self.run.secrets_file) if rec.get("code") == code)
                want = 0 if cr.script == "refused-then-interrupt" else 1
                if n != want:
                    p.append(f"the browser's authorization code reached the token endpoint {n} times, not {want}")


def run_paste(run, path, out_path):
    """Runs the paste notebook; returns (notebook, PasteRun, problems, seconds).
    Its outputs go to out_path only, never back into notebooks/."""
    name = "testdata/" + path.name
    nb, config_dir, kernel_log = run.notebook(path, "config-paste-")
    pr = PasteRun(run, path, config_dir)
    problems = []
    t = time.monotonic()
    with open(kernel_log, "w") as log:
        try:
            pr.start(log)
            say(f"{name}: kernel started in {time.monotonic() - t:.1f} s (GONBAUTH_MODE=paste, allow_stdin)")
            for i, cell in code_cells(nb):
                ex = pr.execute(i, cell)
                problems += [f"{cell_label(name, i, cell)}: {q}" for q in ex.problems]
        except Exception as e:  # the kernel did not start, and the like
            problems.append(f"{name}: {type(e).__name__}: {e}")
        finally:
            pr.stop()
    elapsed = time.monotonic() - t
    run.secrets.add_server_log(run.secrets_file)
    problems = run.finish(name, nb, problems, config_dir, kernel_log, out_path)
    return nb, pr, problems, elapsed
