"""Reading what a cell shows: sign-in blocks (gonbauth's text/plain), sign-in
links, pages in frames, and the cell's tags and expected texts."""

import html
import re
import socket
import urllib.parse

# The first line of a gonbauth sign-in block's text/plain (gonbauth's
# message table, messages.go), possibly after a notice line.
STATUS_RE = re.compile(
    r"(?m)^(?P<kind>Signed in to |Sign in to |To sign in to |Sign-in received from |Sign-in (?:to \S+ )?failed|Sign-in (?:to \S+ )?cancelled)"
)
HREF_RE = re.compile(r'<a\s[^>]*href="([^"]+)"')
IFRAME_RE = re.compile(r'<iframe\s[^>]*src="([^"]+)"')


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


def cell_expects_in_order(cell):
    """Whether the cell's expected texts must appear in the order listed."""
    return bool(cell.get("metadata", {}).get("gonbauth", {}).get("in-order"))


def cell_absent(cell):
    """Texts that must not appear in the cell's outputs."""
    return list(cell.get("metadata", {}).get("gonbauth", {}).get("absent", []))


def cell_label(name, index, cell):
    first = next((ln for ln in cell.get("source", "").splitlines() if ln.strip()), "")
    if len(first) > 60:
        first = first[:57] + "..."
    return f"{name} cell {index} ({first!r})"
