"""`make notebook` (run.py --serve): the development server and Jupyter
Notebook with the GoNB kernel on 127.0.0.1, on copies of the notebooks in a
temporary folder; and its check (run.py --serve-check), which leaves the
checkout's notebooks/ as it was."""

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
import urllib.request
from pathlib import Path

from .common import NB_DIR, REPO, say
from .devserver import DevServer, build_module, kernel_env

RUN_PY = NB_DIR / "run.py"


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
        server = DevServer(work)
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
    proc = subprocess.Popen([sys.executable, str(RUN_PY), "--serve"], cwd=REPO,
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
