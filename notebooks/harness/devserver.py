"""The development authorization server, the kernels' environment, and the Go
programs and module a run needs.

The server is started by gonbauth/internal/cmd/devserver, which uses the same
Go package (gonbauth/devserver) as the Go tests and wasm/example: it prints
one JSON line with the issuer and the client, stops the server on stdin EOF
or SIGTERM, and its errors (node or the npm packages missing) say what to
install.
"""

import json
import os
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from .common import REPO, build_command, say

READY_TIMEOUT = 60  # s: the command's build is done; node starts in ~0.5 s, slower on a loaded machine


def build_devserver(out_dir):
    return build_command("gonbauth/internal/cmd/devserver", out_dir, "the development server's command")


def build_helper(out_dir):
    """The sign-in helper (gonbauth/internal/cmd/signin, headless Chromium)."""
    return build_command("gonbauth/internal/cmd/signin", out_dir, "the sign-in helper")


class DevServer:
    """The development server on 127.0.0.1, through its Go command (built into
    work_dir), read from the command's JSON ready line. secrets_file:
    DEVSERVER_SECRETS_FILE for the server (an inherited one is dropped)."""

    def __init__(self, work_dir, secrets_file=None):
        binary = build_devserver(work_dir)
        env = dict(os.environ)
        env.pop("DEVSERVER_SECRETS_FILE", None)
        if secrets_file:
            env["DEVSERVER_SECRETS_FILE"] = str(secrets_file)
        self.log_path = Path(work_dir) / "devserver.log"
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([str(binary)], cwd=REPO, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, start_new_session=True)
        ready = {}

        def read():
            line = self.proc.stdout.readline()
            try:
                ready.update(json.loads(line))
            except ValueError:
                ready["line"] = line.decode(errors="replace").strip()

        t = threading.Thread(target=read, daemon=True)
        t.start()
        t.join(READY_TIMEOUT)
        problem = self.bad_start(ready)
        if problem:
            self.close()
            raise SystemExit(f"run.py: the development server did not start: {problem}; its log ends with:\n"
                             + self.log_tail())
        self.issuer, self.client_id = ready["issuer"], ready["client_id"]

    def bad_start(self, ready):
        """What is wrong with the command's ready line, or None: it must name
        an issuer on 127.0.0.1 whose discovery document names it back."""
        if not ready.get("issuer"):
            try:
                self.proc.wait(5)  # stdout ended: it is exiting
                return f"gonbauth/internal/cmd/devserver exited (status {self.proc.returncode})"
            except subprocess.TimeoutExpired:
                pass
        if not ready:
            return f"no ready line within {READY_TIMEOUT} s"
        issuer = ready.get("issuer")
        if not isinstance(issuer, str) or not ready.get("client_id"):
            return f"the ready line {ready.get('line', json.dumps(ready))!r} has no issuer and client_id"
        u = urllib.parse.urlsplit(issuer)
        if u.scheme != "http" or u.hostname != "127.0.0.1":
            return f"the ready line's issuer {issuer!r} is not http://127.0.0.1:PORT"
        try:
            with urllib.request.urlopen(issuer + "/.well-known/openid-configuration", timeout=10) as r:
                named = json.loads(r.read()).get("issuer")
        except (OSError, ValueError) as e:
            return f"the ready line's issuer {issuer!r} does not serve discovery: {e}"
        if named != issuer:
            return f"the ready line's issuer {issuer!r} serves the discovery document of {named!r}"
        return None

    def log_tail(self):
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def dead(self):
        """A description of the server's death, or None while it runs."""
        if self.proc.poll() is None:
            return None
        return f"the development server exited (status {self.proc.returncode}); its log ends with:\n{self.log_tail()}"

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()  # the command stops the server on EOF
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
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


def token_requests(secrets_file):
    """The token requests a development server recorded in its DEVSERVER_SECRETS_FILE."""
    try:
        lines = Path(secrets_file).read_text().splitlines()
    except FileNotFoundError:
        return []
    return [r for r in (json.loads(ln) for ln in lines if ln.strip()) if r.get("path") == "/token"]
