"""Executing a notebook on a gonb kernel while acting as the person at the
browser.

Each notebook runs on a new kernel (kernel.Kernel) started in the notebook's
folder, which GoNB gives cells as ${GONB_DIR}, with GONBAUTH_ISSUER and
GONBAUTH_CLIENT_ID naming the run's development server, GONBAUTH_CONFIG_DIR
a fresh temporary directory and GONBAUTH_MODE=loopback (devserver.kernel_env);
every other GONBAUTH_* variable is removed.

When a cell shows a sign-in link (the href of the sign-in block's HTML, which
must equal the URL line of its text/plain), the runner acts as the cell's
tags say:

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
holds an <iframe> whose src is also alone on a line of its text/plain:

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
appear in the cell's outputs (text/plain of displays, streams, errors);
with "in-order": true they must appear in the order listed (outputs in the
order the cell made them; a display keeps the place of its first message,
and streams and displays travel apart, so order only displays, or only
streams); "absent": ["text", ...] lists texts that must not appear. A
notebook whose metadata has {"gonbauth": {"skip": "why"}} is not run (the run
says so, with the reason): for notebooks that need a person in the page.
After each notebook, checks.check_notebook checks the executed notebook.
"""

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import nbformat

from .checks import Secrets, check_notebook
from .common import CELL_TIMEOUT, HELPER_TIMEOUT, SIGKILL_AFTER, say
from .devserver import DevServer, build_helper, build_module, kernel_env, token_requests
from .kernel import Kernel, Watcher, code_cells
from .outputs import cell_label, cell_tags, port_is_free, redirect_port, status_kind

PAGE_REPORT_WAIT = 15  # s for a cell to end once its page says it signed in
PERSON_PAUSE = 0.5  # s before an interrupt, as a person would: after the link is on screen


def has_page_cell(nb):
    return any("browser-page" in cell_tags(c) for c in nb.cells if c.get("cell_type") == "code")


class BrowserPerson(Watcher):
    """The person at the browser in one cell, as its tags say."""

    def __init__(self, run, kernel, name, config_dir):
        self.run, self.kernel, self.name, self.config_dir = run, kernel, name, config_dir
        self.helper = None  # the signin process
        self.helper_kind = None  # "link" or "page" (signin -page)
        self.helper_seen = False  # its exit has been looked at
        self.helper_failed = False
        self.page_tokens = 0  # token requests in the page's server's secrets file before the cell
        self.interrupt_at = None
        self.page_deadline = None

    def start_helper(self, kind, args):
        self.helper_kind, self.helper_seen = kind, False
        self.helper = subprocess.Popen([str(self.run.helper)] + args, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, text=True)

    def interrupt_soon(self):
        if self.interrupt_at is None:
            self.interrupt_at = time.monotonic() + PERSON_PAUSE

    def on_link(self, ex, did, link):
        if "signin" in ex.tags or "signin-deny" in ex.tags:
            self.start_helper("link", (["-deny"] if "signin-deny" in ex.tags else []) + [link])
        elif "interrupt" in ex.tags:
            self.interrupt_soon()
        elif "no-click" not in ex.tags:
            ex.problems.append("showed a sign-in link, but is not tagged signin, signin-deny, interrupt or no-click")
            self.interrupt_soon()

    def on_page(self, ex, did, page):
        if "browser-page" not in ex.tags:
            ex.problems.append("showed a page in a frame, but is not tagged browser-page")
            self.interrupt_soon()
        elif self.helper is not None:
            ex.problems.append("showed a second page or link; only the first is signed in from")
        else:
            self.start_helper("page", ["-page", page])

    def step(self, ex):
        now = time.monotonic()
        if self.interrupt_at is not None and now >= self.interrupt_at:
            self.interrupt_at = None
            self.kernel.interrupt(ex)
        # If the browser cannot complete the sign-in, end the cell at once
        # instead of waiting for Login's timeout.
        if self.helper is not None and not self.helper_seen and self.helper.poll() is not None:
            self.helper_seen = True
            if self.helper.returncode != 0:
                self.helper_failed = True
                ex.problems.append(f"the headless sign-in failed: {self.helper.stderr.read().strip()[-600:]}")
                self.interrupt_soon()
            elif self.helper_kind == "page":
                # The page has told the cell's server: the cell's Wait
                # returns at once. Do not wait for the cell's timeout.
                self.page_deadline = now + PAGE_REPORT_WAIT
        if self.page_deadline is not None and now > self.page_deadline:
            self.page_deadline = None
            ex.problems.append(f"the page signed in, but the cell did not end within {PAGE_REPORT_WAIT} s")
            self.interrupt_soon()

    def after_page(self, ex, out):
        """What `signin -page` printed: the page's status and the tokens it received."""
        try:
            res = json.loads(out) if out.strip() else None
        except ValueError:
            res = None
        if res is None:
            if self.helper.returncode == 0:
                ex.problems.append("signin -page printed no result")
            return
        kinds = {"access_token": "an access token", "id_token": "an ID token", "refresh_token": "a refresh token"}
        for field, values in (res.get("tokens") or {}).items():
            for v in values:
                self.run.secrets.add(v, f"{kinds.get(field, field)} (received by the page in {self.name} cell {ex.index})")
        if not (res.get("tokens") or {}).get("access_token"):
            ex.problems.append("the browser saw no token response of the page")
        if not str(res.get("status", "")).startswith("Signed in as "):
            ex.problems.append(f"the page ended with {res.get('status')!r}, not \"Signed in as ...\"")
        else:
            say(f"{self.name} cell {ex.index}: the page ({res.get('mode')} mode) says {res['status']!r}")

    def after(self, ex):
        """The checks once the cell has ended."""
        secrets = self.run.secrets
        if self.helper is not None:
            try:
                out, err = self.helper.communicate(timeout=HELPER_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.helper.kill()
                out, err = self.helper.communicate()
                ex.problems.append("the headless sign-in did not finish")
            if self.helper_kind == "page":
                self.after_page(ex, out)
            elif out.strip():
                secrets.add_redirect(out.strip(), f"after {self.name} cell {ex.index}")
            if self.helper.returncode != 0 and not self.helper_failed:
                ex.problems.append(f"the headless sign-in failed: {(err or '').strip()[-600:]}")
        # Tokens: read the store after every cell, before a later Logout
        # removes them.
        secrets.add_store(self.config_dir, f"after {self.name} cell {ex.index}")

        if "browser-page" in ex.tags:
            if not ex.pages:
                ex.problems.append("tagged browser-page, but no page was shown in a frame")
            # The example's development server got DEVSERVER_SECRETS_FILE
            # and recorded the page's token request: its code and verifier
            # are secrets of the run now.
            secrets.add_server_log(self.run.page_secrets_file, "the example's development server")
            new = token_requests(self.run.page_secrets_file)[self.page_tokens:]
            if ex.pages and not any(r.get("code") and r.get("code_verifier") for r in new):
                ex.problems.append("the example's development server recorded no token request with a code and a "
                                   "verifier (did DEVSERVER_SECRETS_FILE reach it?)")

        signin = "signin" in ex.tags
        if signin and not ex.links:
            ex.problems.append("tagged signin, but no sign-in link was shown")
        for did, link in ex.links.items():
            final = ex.states[did][-1]
            kind = status_kind(final)
            if signin and kind != "signed-in":
                ex.problems.append(f"the sign-in block ({did}) ended {kind}, not \"Signed in\": {final[:300]!r}")
            if "interrupt" in ex.tags:
                if kind != "cancelled":
                    ex.problems.append(f"after the interrupt the sign-in block ended {kind}, not cancelled: {final[:300]!r}")
                check_interrupt(ex, f"{self.name} cell {ex.index}", redirect_port(link))


def check_interrupt(ex, where, port):
    """The listener's port is free, and the cell ended before GoNB's SIGKILL."""
    if port is not None and not port_is_free(port):
        ex.problems.append(f"the redirect listener's port {port} still accepts connections after the cell")
    if ex.interrupted_at is None:
        ex.problems.append("the kernel was not interrupted")
        return
    took = ex.ended_at - ex.interrupted_at
    if took >= SIGKILL_AFTER - 0.5:
        ex.problems.append(f"the cell took {took:.1f} s to end after the interrupt: GoNB's SIGKILL, not Login, ended it")
    else:
        say(f"{where}: ended {took:.2f} s after the interrupt" + (f"; port {port} is free" if port else ""))


def report_cell(name, ex):
    tags = ",".join(sorted(ex.tags))
    mark = f" ({len(ex.problems)} problems, listed at the end)" if ex.problems else ""
    say(f"{name} cell {ex.index}{' [' + tags + ']' if tags else ''}: {ex.ended_at - ex.started_at:.1f} s{mark}")


class Run:
    """One run: the server, the helper, the temporary files, the secrets."""

    def __init__(self, work, cell_timeout=CELL_TIMEOUT):
        self.work, self.cell_timeout = Path(work), cell_timeout
        self.secrets_file = self.work / "server-secrets.jsonl"
        # For the development servers that notebook cells start (example.Start).
        self.page_secrets_file = self.work / "page-server-secrets.jsonl"
        self.module_built = False
        self.helper = build_helper(self.work)
        t = time.monotonic()
        self.server = DevServer(self.work, self.secrets_file)
        say(f"development server at {self.server.issuer} (started in {time.monotonic() - t:.1f} s)")
        self.secrets = Secrets()

    def close(self):
        self.server.close()
        self.collect_server_logs()
        self.secrets_file.unlink(missing_ok=True)
        self.page_secrets_file.unlink(missing_ok=True)

    def collect_server_logs(self):
        self.secrets.add_server_log(self.secrets_file)
        self.secrets.add_server_log(self.page_secrets_file, "the example's development server")

    def notebook(self, path, prefix="config-"):
        """(notebook, its own empty sign-in store, its kernel's log) for path."""
        return (nbformat.read(path, as_version=4), Path(tempfile.mkdtemp(prefix=prefix, dir=self.work)),
                self.work / (path.stem + ".kernel.log"))

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

    def execute(self, path, out_path, name=None):
        """Runs the notebook at path; returns (notebook, problems, seconds)."""
        name = name or path.name
        nb, config_dir, kernel_log = self.notebook(path)
        env = kernel_env(self.server, config_dir)
        if has_page_cell(nb):
            if not self.module_built:
                build_module()
                self.module_built = True
            # Passed on by example.Start to the development server it starts.
            env["DEVSERVER_SECRETS_FILE"] = str(self.page_secrets_file)
        problems = []
        t = time.monotonic()
        with open(kernel_log, "w") as log:
            kernel = None
            try:
                kernel = Kernel(env, path.parent, log)
                nb.metadata["language_info"] = kernel.language_info()
                for i, cell in code_cells(nb):
                    ex = self.execute_cell(kernel, name, i, cell, config_dir)
                    problems += [f"{cell_label(name, i, cell)}: {p}" for p in ex.problems]
                    if ex.timed_out or ex.died:
                        break  # as nbclient did: the cells after it are not run
            except Exception as e:  # the kernel did not start, and the like
                problems.append(f"{name}: {type(e).__name__}: {e}")
            finally:
                if kernel is not None:
                    kernel.stop()
        elapsed = time.monotonic() - t
        self.collect_server_logs()
        return nb, self.finish(name, nb, problems, config_dir, kernel_log, out_path), elapsed

    def execute_cell(self, kernel, name, i, cell, config_dir):
        person = BrowserPerson(self, kernel, name, config_dir)
        tags = cell_tags(cell)
        if "browser-page" in tags:
            person.page_tokens = len(token_requests(self.page_secrets_file))
        if "restart-kernel" in tags:
            t = time.monotonic()
            kernel.restart()
            say(f"{name}: kernel restarted in {time.monotonic() - t:.1f} s")
        ex = kernel.execute(i, cell, person, self.cell_timeout)
        person.after(ex)
        report_cell(name, ex)
        return ex
