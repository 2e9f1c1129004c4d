"""The checks fed doctored notebooks: --self-test does it with a synthetic
notebook (no kernel), and every full run again on its own real results (a
display without text/plain, a planted token of this run, an unfinished
sign-in, a panic, ...): each must be caught."""

import copy
import secrets as pysecrets
import urllib.parse

import nbformat

from .checks import Secrets, check_notebook
from .common import say
from .outputs import cell_tags, html_of, page_of, plain_of, sign_in_link, status_kind
from .paste import OTHER_ISSUER, paste_tampers, query_of, refusal_of, with_port, with_query


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
    def caught(change, needle, what):
        """A copy of nb changed by change must give a problem containing needle."""
        d = copy.deepcopy(nb)
        change(d)
        if not any(needle in p for p in check_notebook(d, secrets, "synthetic.ipynb")):
            problems.append(f"self-test: {what} was not caught")

    def in_order(d, reverse):
        d.cells[2].metadata["gonbauth"].update({"expect": ["Signed in to 127.0.0.1:1", '"sub": "alice"'], "in-order": True})
        if reverse:
            d.cells[2].metadata["gonbauth"]["expect"].reverse()

    # The expect-error cell: a panic there is still a failure, a missing
    # expected error text too, a planted code too.
    caught(lambda d: setattr(d.cells[3].outputs[1], "text", d.cells[3].outputs[1].text + "panic: runtime error\ngoroutine 1 [running]:\n"),
           "panic", "a panic in an expect-error cell")
    caught(lambda d: d.cells[3].metadata["gonbauth"].update(expect=["port 8085 on 127.0.0.1"]),
           "expected text", "an expect-error cell without its expected error")
    caught(lambda d: d.cells[4].outputs.append(nbformat.v4.new_output("display_data", data={"text/plain": f"code={code}"})),
           "authorization code", "a planted authorization code")
    caught(lambda d: d.cells[4].outputs.append(nbformat.v4.new_output("display_data", data={"text/html": "<b>only html</b>"})),
           "without text/plain", "an HTML-only display")
    # Expected texts in order, and texts that must be absent.
    d = copy.deepcopy(nb)
    in_order(d, reverse=False)
    if check_notebook(d, secrets, "synthetic.ipynb"):
        problems.append("self-test: expected texts in their order were refused")
    caught(lambda d: in_order(d, reverse=True), "is not after", "expected texts out of order")
    caught(lambda d: d.cells[2].metadata["gonbauth"].update(absent=["as Dev User alice"]),
           "should be absent", "a text that should be absent")
    # The runtime side: a display message without text/plain and a link
    # whose HTML and text disagree.
    _, bad = sign_in_link({"text/html": '<a href="http://h/auth?redirect_uri=x">x</a>', "text/plain": "no link"})
    if not bad:
        problems.append("self-test: a link missing from text/plain was not caught")
    return problems
