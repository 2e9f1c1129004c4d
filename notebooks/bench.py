#!/usr/bin/python3
"""What a cell costs on a real GoNB kernel: an empty cell, a cell that only
uses golang.org/x/oauth2, a cell that calls an API with x/oauth2's client
(what a cell that signs in with x/oauth2 alone links), and a cell that calls
gonbauth.Login with a saved sign-in (issue 13).

    /usr/bin/python3 notebooks/bench.py [--rounds 15] [--warmup 2]

`make bench` runs it. It needs what `make notebooks` needs (GoNB and
goimports, Jupyter's jupyter_client, Node.js with the dev server's packages,
Chromium) and the Go module proxy.

How it measures:
  - One sign-in first, outside any kernel: the logincell program
    (gonbauth/internal/cmd/logincell) against the bundled dev server, with
    the signin helper (headless Chromium) approving it, into a temporary
    GONBAUTH_CONFIG_DIR. The gonbauth cell then finds that saved sign-in.
  - Four GoNB kernels, one per cell kind, so that each kernel's cell module
    holds only what its cell needs. Setup cells: none (empty),
    `!*go get golang.org/x/oauth2@<go.mod's version>` (both x/oauth2 cells), and the
    notebooks' `!*go mod edit -require ... -replace` of this checkout
    (gonbauth).
  - The kernels ask this machine's module proxy (`go env GOPROXY`)
    directly, as a user's kernel does. The go command reuses one HTTP/2
    connection for a `go get`'s requests, so each request after the first
    costs one round trip.
  - The proxy requests are counted in a separate pass after the timed
    rounds: each kernel gets `%env GOPROXY=` a counting proxy on 127.0.0.1
    in front of the real one (first entry; sum.golang.org lookups go
    through it too, as /sumdb/...), runs its cell --count times, and gets
    its GOPROXY back. The counting proxy forwards each request on a new
    connection (a TLS handshake each), so timing cells through it would
    charge every request a handshake that GoNB does not pay:
    --timed-through-proxy does that, as this benchmark did before, to
    compare with the figures taken that way.
  - Rounds: each round executes the four cells once each, in a rotated
    order (interleaved). The first --warmup rounds are not reported.
    A cell's time runs from sending execute_request to the execute_reply
    and the kernel's return to idle, as a front end sees it.
  - Reported: median [min-max] of the cell times, and the proxy requests
    per cell execution (median [min-max]), with the modules they named.
  - Each execution of a cell differs from the last by a println of the
    round, as a new cell does, so that GoNB's go build links a new program
    each time; with --same-cell the cells are executed unchanged, as a
    re-run is, and go build reuses the program it linked before.
  - With --noautoget, every kernel gets GoNB's %noautoget after the first
    round, as a user may once a cell has been built with go get (which adds
    what go.mod and go.sum lack): GoNB then builds without running it.
    --warmup must be at least 1.
  - The cells declare their imports, as users and this repository's
    notebooks do (GoNB keeps a cell's imports for the cells after it);
    --implicit-imports leaves them to goimports instead, which then
    searches the module cache for `oauth2` and `gonbauth` in every cell.
  - Then, unless --no-steps, where each cell's time goes: in each kernel's
    own cell module (GoNB's temporary directory, with the main.go GoNB
    generated for the cell), the steps GoNB runs for every execution, timed
    one by one and interleaved in the same way: `goimports -w main.go`,
    `go get`, `go build`, and running the program; and `go get` once more
    with GOMAXPROCS=8, as on a machine with more cores (go get asks the
    proxy about GOMAXPROCS modules at a time).
  - Nothing is asserted about times. The run fails if a cell fails, or if
    the gonbauth cell did not find the saved sign-in.
"""

import argparse
import http.server
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
import time
from pathlib import Path

import nbformat

sys.dont_write_bytecode = True  # no __pycache__ in the checkout (the serve check compares it)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness.common import REPO  # noqa: E402
from harness.devserver import DevServer, build_helper, kernel_env  # noqa: E402
from harness.kernel import Kernel  # noqa: E402
from harness.outputs import plain_of  # noqa: E402

MODULE = "github.com/gonbauth/gonbauth"

CELLS = {
    "empty": ("", '%%\n_ = 0\n'),
    "x/oauth2": (
        None,  # set from go.mod in main()
        'import "golang.org/x/oauth2"\n\n%%\nconf := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{AuthURL: "https://example.test/a", TokenURL: "https://example.test/t"}}\n'
        'fmt.Println(len(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))) > 0)\n',
    ),
    # What a cell that signs in with x/oauth2 alone also links: the HTTP
    # client it calls the API with (gonbauth's cell links it too, to
    # refresh). The request goes to the dev server and is refused (no real
    # token), after the program has done what such a cell does.
    "x/oauth2+API": (
        None,  # set from go.mod in main()
        'import "golang.org/x/oauth2"\n\n%%\nconf := &oauth2.Config{ClientID: "c", Endpoint: oauth2.Endpoint{AuthURL: "https://example.test/a", TokenURL: "https://example.test/t"}}\n'
        'resp, err := conf.Client(context.Background(), &oauth2.Token{AccessToken: "t"}).Get(os.Getenv("GONBAUTH_ISSUER") + "/me")\n'
        'if err != nil {\n\tpanic(err)\n}\nresp.Body.Close()\nfmt.Println(resp.StatusCode)\n',
    ),
    "gonbauth": (
        f"!*go mod edit -require={MODULE}@v0.0.0 -replace={MODULE}={REPO}",
        'import "github.com/gonbauth/gonbauth/gonbauth"\n\n%%\nsess, err := gonbauth.Login(context.Background(), nil)\nif err != nil {\n\tpanic(err)\n}\n'
        'fmt.Println("from store:", sess.FromStore)\n',
    ),
}


class CountingProxy:
    """A GOPROXY on 127.0.0.1 that forwards to upstream and counts requests."""

    def __init__(self, upstream):
        self.upstream = upstream.rstrip("/")
        self.lock = threading.Lock()
        self.paths = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with proxy.lock:
                    proxy.paths.append(self.path)
                try:
                    with urllib.request.urlopen(proxy.upstream + self.path, timeout=60) as resp:
                        body, status, ctype = resp.read(), resp.status, resp.headers.get("Content-Type", "")
                except urllib.error.HTTPError as e:
                    body, status, ctype = e.read(), e.code, e.headers.get("Content-Type", "")
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self):
        with self.lock:
            p, self.paths = self.paths, []
        return p

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def module_of(path):
    """The module a proxy path names (or sumdb)."""
    if path.startswith("/sumdb/"):
        return "(sumdb)"
    return path.split("/@", 1)[0].lstrip("/")


def execute(kernel, code):
    """Runs code on kernel (harness.kernel); returns (seconds, outputs text, error or None)."""
    ex = kernel.execute(0, nbformat.v4.new_code_cell(code))
    out, errors = [], list(ex.problems)
    for o in ex.outputs:
        if o.output_type == "stream":
            out.append(o.text)
        elif o.output_type == "error":
            errors.append(o.get("evalue", "error"))
        else:
            out.append(plain_of(o.get("data", {})))
    if ex.status != "ok" and not errors:
        errors.append(f"the execute_reply says {ex.status}")
    return ex.ended_at - ex.started_at, "".join(out), errors[0] if errors else None


def run_cell(kernel, name, code, marker, same_cell, proxy):
    """Executes a bench cell; returns (seconds, the proxy paths it asked for)."""
    proxy.take()
    secs, out, err = execute(kernel, code if same_cell else code + f'println("{marker}")\n')
    paths = proxy.take()
    if err:
        raise SystemExit(f"bench.py: {name}: the cell failed: {err}\n{out}")
    if name == "gonbauth" and "from store: true" not in out:
        raise SystemExit(f"bench.py: the gonbauth cell did not reuse the saved sign-in: {out}")
    return secs, paths


def set_proxy(kernel, name, url):
    """Points the kernel's go commands at url, with GoNB's %env."""
    _, out, err = execute(kernel, f"%env GOPROXY={url}")
    if err or url not in out:
        raise SystemExit(f"bench.py: {name}: %env GOPROXY failed: {err}\n{out}")


def sign_in(server, config_dir, work):
    """One sign-in into config_dir, approved by the signin helper."""
    subprocess.run(["go", "build", "-o", str(work / "logincell"), "./gonbauth/internal/cmd/logincell"], cwd=REPO, check=True)
    helper = build_helper(work)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GONBAUTH_") and not k.startswith("GONB_")}
    env.update(GONBAUTH_ISSUER=server.issuer, GONBAUTH_CLIENT_ID=server.client_id, GONBAUTH_CONFIG_DIR=str(config_dir),
               GONBAUTH_MODE="loopback", GONBAUTH_NO_BROWSER="1", GONBAUTH_TIMEOUT="60s")
    p = subprocess.Popen([str(work / "logincell")], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    link = None
    for line in p.stderr:
        m = re.search(r"https?://\S+/auth\S*", line) or re.search(r"http://127\.0\.0\.1:\d+/\S*\?\S*client_id\S*", line)
        if m:
            link = m.group(0)
            break
    if not link:
        p.kill()
        raise SystemExit("bench.py: logincell showed no sign-in link")
    h = subprocess.run([str(helper), link], capture_output=True, text=True, timeout=120)
    if h.returncode != 0:
        p.kill()
        raise SystemExit(f"bench.py: the signin helper failed: {h.stderr[-2000:]}")
    out, _ = p.communicate(timeout=60)
    if p.returncode != 0 or "browser" not in out:
        raise SystemExit(f"bench.py: the first sign-in failed: {out}")


def time_steps(dirs, env, rounds, warmup, same_cell):
    """Times GoNB's per-execution steps in each cell module (see the doc)."""
    gobin = Path(subprocess.run(["go", "env", "GOPATH"], capture_output=True, text=True, check=True).stdout.strip()) / "bin"
    goimports = shutil.which("goimports", path=os.pathsep.join([env.get("PATH", ""), str(gobin)]))
    # go get asks the proxy about the modules GOMAXPROCS at a time: its
    # cost per module depends on the machine's cores, so it is also timed
    # as on an 8-core machine.
    steps = [("goimports", [goimports, "-w", "main.go"], {}), ("go get", ["go", "get"], {}),
             ("go build", ["go", "build", "-o", "bench_cell"], {}), ("run", ["./bench_cell"], {}),
             ("go get, 8 procs", ["go", "get"], {"GOMAXPROCS": "8"})]
    for d in dirs.values():
        shutil.copy(d / "main.go", d / "main.go.cell")
    names = list(dirs)
    times = {n: {s: [] for s, _, _ in steps} for n in names}
    for r in range(warmup + rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            d = dirs[name]
            shutil.copy(d / "main.go.cell", d / "main.go")
            if not same_cell:  # a new program each time, as a new cell is: go build links it again
                with open(d / "main.go", "a") as f:
                    f.write(f'\nfunc init() {{ println("step round {r}") }}\n')
            for step, cmd, extra in steps:
                start = time.monotonic()
                p = subprocess.run(cmd, cwd=d, env={**env, **extra}, capture_output=True, text=True)
                secs = time.monotonic() - start
                if p.returncode != 0 and step != "run":
                    raise SystemExit(f"bench.py: {name}: {step} failed: {p.stderr[-2000:]}")
                if r >= warmup:
                    times[name][step].append(secs)
    print(f"\nWhere a cell's time goes: GoNB's steps run one by one in each kernel's cell module, "
          f"{rounds} interleaved rounds after {warmup} warm-up rounds (median [min-max], ms)")
    print(f"{'cell':13} " + " ".join(f"{s:>18}" for s, _, _ in steps) + f" {'sum of the first 4':>19}")
    for n in names:
        total = sum(statistics.median(times[n][s]) for s, _, _ in steps[:4])
        print(f"{n:13} " + " ".join(f"{fmt(times[n][s], 1000):>18}" for s, _, _ in steps) + f" {total * 1000:>19.0f}")


def cell_dir(name, kernel):
    """The kernel's cell module: where GoNB's `!*` commands run."""
    _, out, err = execute(kernel, "!*pwd")
    if err or not out.strip():
        raise SystemExit(f"bench.py: {name}: cannot find the cell module: {err} {out}")
    return Path(out.strip().splitlines()[-1])


def fmt(xs, scale=1, digits=0):
    f = f"{{:.{digits}f}}"
    return f"{f.format(statistics.median(xs) * scale)} [{f.format(min(xs) * scale)}-{f.format(max(xs) * scale)}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--paths", action="store_true", help="print the proxy paths of each cell's last execution")
    ap.add_argument("--implicit-imports", action="store_true", help="cells without import declarations")
    ap.add_argument("--no-steps", action="store_true", help="skip timing GoNB's steps one by one")
    ap.add_argument("--noautoget", action="store_true",
                    help="%%noautoget after the setup cells: GoNB builds without its per-cell go get")
    ap.add_argument("--count", type=int, default=3, help="executions of each cell in the counting pass")
    ap.add_argument("--timed-through-proxy", action="store_true",
                    help="time the cells through the counting proxy (a new connection per request), as before")
    ap.add_argument("--same-cell", action="store_true",
                    help="execute each cell unchanged, so that go build may reuse the last link")
    args = ap.parse_args()
    if not shutil.which("gonb", path=os.pathsep.join([os.environ.get("PATH", ""), str(Path.home() / "go" / "bin")])):
        raise SystemExit("bench.py: gonb is not installed: run make deps")

    gomod = (REPO / "go.mod").read_text()
    oauth2_version = re.search(r"golang\.org/x/oauth2 (v\S+)", gomod).group(1)
    cells = dict(CELLS)
    for name in ("x/oauth2", "x/oauth2+API"):
        cells[name] = (f"!*go get golang.org/x/oauth2@{oauth2_version}", cells[name][1])
    if args.implicit_imports:
        cells = {n: (setup, re.sub(r'^import "[^"]+"\n\n', "", code)) for n, (setup, code) in cells.items()}
    goproxy = subprocess.run(["go", "env", "GOPROXY"], capture_output=True, text=True, check=True).stdout.strip()
    upstream = goproxy.split(",")[0].split("|")[0]
    if upstream in ("off", "direct", ""):
        raise SystemExit(f"bench.py: GOPROXY is {upstream!r}: the benchmark counts requests to a module proxy")

    work = Path(tempfile.mkdtemp(prefix="gonbauth-bench-"))
    server = DevServer(work)
    proxy = CountingProxy(upstream)
    kernels = {}
    try:
        config_dir = work / "config"
        sign_in(server, config_dir, work)
        env = kernel_env(server, config_dir)
        env["GOPROXY"] = proxy.url if args.timed_through_proxy else goproxy
        env["GOFLAGS"] = os.environ.get("GOFLAGS", "")
        log = open(work / "kernels.log", "wb")
        for name, (setup, _) in cells.items():
            d = work / name.replace("/", "-")
            d.mkdir()
            kernels[name] = k = Kernel(env, d, log)
            if setup:
                _, out, err = execute(k, setup)
                if err:
                    raise SystemExit(f"bench.py: {name}: setup failed: {err}\n{out}")
        proxy.take()
        names = list(cells)
        times = {n: [] for n in names}
        requests = {n: [] for n in names}
        modules = {n: set() for n in names}
        last = {}
        for r in range(args.warmup + args.rounds):
            if r == 1 and args.noautoget:
                # After one build with go get, which adds what the cell's
                # go.mod and go.sum lack.
                for name in names:
                    _, out, err = execute(kernels[name], "%noautoget")
                    if err:
                        raise SystemExit(f"bench.py: {name}: %noautoget failed: {err}\n{out}")
            order = names[r % len(names):] + names[:r % len(names)]
            for name in order:
                secs, paths = run_cell(kernels[name], name, cells[name][1], f"round {r}", args.same_cell, proxy)
                if r >= args.warmup:
                    times[name].append(secs)
                    if args.timed_through_proxy:
                        requests[name].append(len(paths))
                        modules[name].update(module_of(p) for p in paths)
                        last[name] = paths
        if not args.timed_through_proxy:
            for name in names:
                set_proxy(kernels[name], name, proxy.url)
                for c in range(args.count):
                    _, paths = run_cell(kernels[name], name, cells[name][1], f"count {c}", args.same_cell, proxy)
                    requests[name].append(len(paths))
                    modules[name].update(module_of(p) for p in paths)
                    last[name] = paths
                set_proxy(kernels[name], name, goproxy)

        how = ("through the counting proxy" if args.timed_through_proxy
               else f"directly; requests counted through a counting proxy in {args.count} more executions")
        print(f"GoNB cells, {args.rounds} interleaved rounds after {args.warmup} warm-up rounds "
              f"(median [min-max]); proxy: {upstream}, {how}")
        print(f"{'cell':13} {'execute -> idle (ms)':>24} {'proxy requests':>16}  modules asked about")
        for n in names:
            print(f"{n:13} {fmt(times[n], 1000):>24} {fmt(requests[n]):>16}  {len(modules[n])}: {', '.join(sorted(modules[n])) or '-'}")
        if args.paths:
            for n in names:
                print(f"{n}: " + (" ".join(sorted(last[n])) or "-"))
        e, o, a, g = (statistics.median(times[n]) for n in ("empty", "x/oauth2", "x/oauth2+API", "gonbauth"))
        print(f"gonbauth / x/oauth2 = {g / o:.2f}; gonbauth - x/oauth2 = {(g - o) * 1000:.0f} ms; x/oauth2 - empty = {(o - e) * 1000:.0f} ms")
        print(f"gonbauth / x/oauth2+API = {g / a:.2f}; gonbauth - x/oauth2+API = {(g - a) * 1000:.0f} ms")
        if not args.no_steps:
            time_steps({n: cell_dir(n, kernels[n]) for n in names}, env, args.rounds, args.warmup, args.same_cell)
    finally:
        for k in kernels.values():
            try:
                k.stop()
            except Exception:
                pass
        proxy.close()
        server.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
