"""What every part of the harness shares: paths, the kernel, timeouts, say()."""

import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent.parent
NB_DIR = REPO / "notebooks"
INTERRUPT_NB = NB_DIR / "testdata" / "interrupt.ipynb"
PASTE_NB = NB_DIR / "testdata" / "paste.ipynb"
# Test notebooks run as the examples are (runner.Run.execute), after them;
# never written back. The paste run has a driver of its own (paste.py).
TEST_NBS = (INTERRUPT_NB, NB_DIR / "testdata" / "without-gonbuidisplay.ipynb")
KERNEL = "gonb"

CELL_TIMEOUT = 300  # s; a cold first cell compiles the standard library (~16 s)
HELPER_TIMEOUT = 90  # s for the headless sign-in
SIGKILL_AFTER = 5.0  # s: GoNB kills a cell program this long after SIGINT


def say(*a):
    print("run.py:", *a, file=sys.stderr, flush=True)


def build_command(package, out_dir, what):
    """go build ./package into out_dir; returns the binary's path."""
    t = time.monotonic()
    out = Path(out_dir) / Path(package).name
    subprocess.run(["go", "build", "-o", str(out), "./" + package], cwd=REPO, check=True)
    say(f"built {what} in {time.monotonic() - t:.1f} s")
    return out
