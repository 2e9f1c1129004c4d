"""The secrets of a run and the checks of an executed notebook.

Checks, after each notebook; any failure names the notebook, the cell and the
reason:
  - every sign-in block of a signin cell ended "Signed in" (the last state of
    the display with its display id), no block anywhere was left waiting;
  - every display_data/update_display_data had a text/plain version;
  - no error output and no "exit status", panic or goroutine trace on stderr,
    except in expect-error cells (which may fail, but not panic);
  - the expected texts (API results, "(saved sign-in)", error messages) are there,
    in the order listed when the cell says so (a display after the sign-in
    block), and the texts said to be absent are not;
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
Secrets are never printed: failures say which kind of secret leaked and where.
"""

import json
import re
import urllib.parse
from pathlib import Path

from .outputs import cell_absent, cell_expects, cell_expects_in_order, cell_label, cell_tags, page_of, plain_of, status_kind

JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*")
# In outputs, where secrets of the page (which the runner may not know) would
# show: long base64url runs, and secret parameters or JSON members.
LONG_RUN_RE = re.compile(r"[A-Za-z0-9_-]{40,}")
SECRET_PARAM_RE = re.compile(
    r'(?<![A-Za-z_])(code|code_verifier|access_token|refresh_token|id_token)=|'
    r'\\?"(code|code_verifier|access_token|refresh_token|id_token)\\?"\s*:')
TRACE_MARKERS = ("panic:", "goroutine ")
FAIL_MARKERS = ("exit status", "gonbauth: warning")


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
        if cell_expects_in_order(cell):
            problems += out_of_order(where, joined, cell_expects(cell))
        for unwanted in cell_absent(cell):
            if unwanted in joined:
                problems.append(f"{where}: the outputs hold {unwanted!r}, which should be absent")
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


def out_of_order(where, joined, wants):
    """Problems if the texts wants, each found in joined, are not in that
    order (outputs in the order the cell made them: displays keep the place
    of their first message)."""
    at, prev = 0, None
    for want in wants:
        i = joined.find(want, at)
        if i < 0:
            if want in joined:
                return [f"{where}: the expected text {want!r} is not after {prev!r} in the outputs"]
            return []  # missing: reported as such
        at, prev = i + len(want), want
    return []


def check_raw(pr, secrets):
    """Every message the paste run's cells published, against every secret of the run."""
    problems = []
    for cr in pr.cells:
        for mt, blob in cr.raw:
            for value, kind in secrets.kinds.items():
                if value in blob:
                    problems.append(f"{cell_label('testdata/' + pr.path.name, cr.index, cr.cell)}: an iopub {mt} message holds {kind}")
    return problems
