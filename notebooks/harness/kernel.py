"""The one GoNB kernel driver: jupyter_client's KernelManager and
BlockingKernelClient, used by the notebook runner, the paste run and
notebooks/bench.py.

Kernel.execute runs one code cell and reads the kernel's iopub, stdin and
shell messages of that cell until the kernel is idle again and has replied.
It keeps the outputs as nbclient would save them (update_display_data
rewrites the display it names), every text/plain state of each display, the
sign-in links and framed pages the displays show (outputs.sign_in_link,
outputs.page_of) and the input requests. A Watcher plays the person: it hears
of each new link and page, is called between messages (step) and may keep
the cell's run going after the kernel is idle (busy). A cell that runs past
its timeout is interrupted; 15 s later the driver gives up on it.

nbclient is not used: it executes with allow_stdin=False and never answers
an input request, which paste mode (gonbui.RequestInput, the reply on the cell
program's stdin) needs; one driver serves both.
"""

import gc
import json
import queue
import time

import nbformat
from jupyter_client.manager import KernelManager

from .common import CELL_TIMEOUT, KERNEL
from .outputs import cell_tags, page_of, plain_of, sign_in_link

STARTUP_TIMEOUT = 120  # s for a kernel to start or restart
GIVE_UP_AFTER = 15  # s after the timeout's interrupt


def code_cells(nb):
    """(index, cell) of each code cell with code, the cells a run executes."""
    return [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]


class Watcher:
    """What the person at the browser does while a cell runs; no-ops."""

    def on_link(self, ex, did, link):
        pass

    def on_page(self, ex, did, page):
        pass

    def step(self, ex):
        """Called after every poll of the kernel's channels."""

    def busy(self, ex):
        """True while the run of the cell must go on after the kernel is idle."""
        return False


class Execution:
    """What the driver saw of one cell's execution, and its outputs."""

    def __init__(self, index, cell):
        self.index, self.cell, self.tags = index, cell, cell_tags(cell)
        self.outputs = []  # nbformat outputs; update_display_data rewrites in place
        self.by_id = {}  # display id -> indices in outputs
        self.states = {}  # display id -> every text/plain state, in order
        self.links = {}  # display id -> sign-in link
        self.pages = {}  # display id -> the URL of a page shown in a frame
        self.requests = []  # input_request contents
        self.raw = []  # (msg_type, JSON of the content) of every iopub message
        self.execution_count = None
        self.status = None  # of the execute_reply: "ok", "error" or "aborted"
        self.started_at = time.monotonic()
        self.interrupted_at = self.ended_at = None
        self.timed_out = False  # ran past its timeout (and was interrupted)
        self.stuck = False  # still running GIVE_UP_AFTER s after the timeout's interrupt
        self.died = False  # the kernel died while it ran
        self.step = ""  # what the watcher waits for, for the timeout's message
        self.problems = []

    def first_link(self):
        """(display id, link) of the first sign-in block with a link, or (None, None)."""
        return next(iter(self.links.items()), (None, None))

    def block(self):
        """The first sign-in block's latest text/plain ("" before it shows)."""
        did, _ = self.first_link()
        return self.states[did][-1] if did else ""

    def on_iopub(self, msg, watcher):
        mt, content = msg["msg_type"], msg["content"]
        self.raw.append((mt, json.dumps(content)))
        if mt in ("display_data", "update_display_data", "execute_result"):
            data = content.get("data", {})
            did = content.get("transient", {}).get("display_id")
            if "text/plain" not in data:
                self.problems.append(f"a {mt} without text/plain (it has {sorted(data)})")
            key = did or f"(no id {len(self.states)})"
            self.states.setdefault(key, []).append(plain_of(data))
            self.seen(key, data, watcher)
            if mt == "update_display_data":
                for i in self.by_id.get(did, []):
                    self.outputs[i]["data"] = data
                    self.outputs[i]["metadata"] = content.get("metadata", {})
                return
            if did:
                self.by_id.setdefault(did, []).append(len(self.outputs))
            self.outputs.append(nbformat.v4.output_from_msg(msg))
        elif mt in ("stream", "error"):
            self.outputs.append(nbformat.v4.output_from_msg(msg))
        elif mt == "clear_output":
            self.outputs, self.by_id = [], {}

    def seen(self, did, data, watcher):
        """Checks a display's link and page; tells the watcher of new ones."""
        for (url, bad), known, tell in ((sign_in_link(data), self.links, watcher.on_link),
                                        (page_of(data), self.pages, watcher.on_page)):
            if bad:
                self.problems.append(bad)
            if url and did not in known:
                known[did] = url
                tell(self, did, url)


class Kernel:
    """A gonb kernel with env, started in cwd, its stderr to log. allow_stdin:
    whether cells may ask for input (paste mode); nbclient's runs did not."""

    def __init__(self, env, cwd, log, allow_stdin=False):
        self.allow_stdin = allow_stdin
        self.alive_checked = 0.0  # when is_alive() was last asked
        self.km = KernelManager(kernel_name=KERNEL)
        self.kc = None
        try:
            self.km.start_kernel(env=env, cwd=str(cwd), stderr=log)
            self.kc = self.km.client()
            self.kc.allow_stdin = allow_stdin
            self.kc.start_channels()
            self.kc.wait_for_ready(timeout=STARTUP_TIMEOUT)
        except BaseException:
            self.stop()
            raise

    def language_info(self):
        """The kernel's language_info, which nbclient saves in the notebook's metadata."""
        msg_id = self.kc.kernel_info()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            reply = self.kc.get_shell_msg(timeout=30)
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                return reply["content"].get("language_info", {})
        return {}

    def restart(self):
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=STARTUP_TIMEOUT)

    def interrupt(self, ex):
        """Interrupts the kernel; the first interrupt of ex is remembered."""
        if ex.interrupted_at is None:
            ex.interrupted_at = time.monotonic()
        self.km.interrupt_kernel()

    def input(self, value):
        """Answers the pending input request (or none: a late answer)."""
        self.kc.input(value)

    def execute(self, index, cell, watcher=None, timeout=CELL_TIMEOUT):
        """Runs code cell index; sets its outputs and execution_count; returns the Execution."""
        watcher = watcher or Watcher()
        ex = Execution(index, cell)
        msg_id = self.kc.execute(cell.source, allow_stdin=self.allow_stdin, store_history=True)
        seen = set()  # "idle" (iopub) and "replied" (shell): the kernel is done with the cell
        watcher.step(ex)
        while seen != {"idle", "replied"} or watcher.busy(ex):
            if not self.keep_waiting(ex, timeout):
                break
            self.read(ex, msg_id, watcher, seen)
            watcher.step(ex)
        ex.ended_at = time.monotonic()
        cell.outputs = ex.outputs
        cell.execution_count = ex.execution_count
        return ex

    def keep_waiting(self, ex, timeout):
        """Interrupts a cell past its timeout; False once it is stuck or the kernel died."""
        now = time.monotonic()
        if now > ex.started_at + timeout + GIVE_UP_AFTER:
            ex.problems.append(f"the cell did not end within {timeout} s, even after an interrupt")
            ex.stuck = True
            return False
        if now > ex.started_at + timeout and not ex.timed_out:
            step = f" (step: {ex.step})" if ex.step else ""
            ex.problems.append(f"the cell did not end within {timeout} s{step}")
            ex.timed_out = True
            self.interrupt(ex)
        if now > self.alive_checked + 1:
            self.alive_checked = now
            if not self.km.is_alive():
                ex.problems.append("the kernel died")
                ex.died = True
                return False
        return True

    def read(self, ex, msg_id, watcher, seen):
        """One round of the kernel's channels: the messages of the cell msg_id."""
        # iopub carries nearly everything: wait there, only peek at the others.
        for get, wait in ((self.kc.get_iopub_msg, 0.01), (self.kc.get_stdin_msg, 0), (self.kc.get_shell_msg, 0)):
            try:
                msg = get(timeout=wait)
            except queue.Empty:
                continue
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            mt, content = msg["msg_type"], msg["content"]
            if get == self.kc.get_stdin_msg:
                if mt == "input_request":
                    ex.requests.append(content)
            elif get == self.kc.get_shell_msg:
                if mt == "execute_reply":
                    seen.add("replied")
                ex.execution_count, ex.status = content.get("execution_count"), content.get("status")
            elif mt == "status" and content.get("execution_state") == "idle":
                seen.add("idle")
            else:
                ex.on_iopub(msg, watcher)

    def stop(self):
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.has_kernel:
            self.km.shutdown_kernel(now=False)  # a hard kill leaks GoNB's temp dir
        # Dropped now: collected at interpreter exit, jupyter_client's
        # __del__ logs into a torn-down logging module.
        self.kc = self.km = None
        gc.collect()
