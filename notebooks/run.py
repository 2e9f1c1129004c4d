#!/usr/bin/python3
"""Executes gonbauth's example notebooks on a real GoNB kernel and checks them.

    /usr/bin/python3 notebooks/run.py               every notebooks/*.ipynb, then the test notebooks
                                                    (interrupt, without-gonbuidisplay) and the paste run
    /usr/bin/python3 notebooks/run.py --write       the same, writing the outputs back into notebooks/
    /usr/bin/python3 notebooks/run.py quickstart    only the notebooks named (no test notebook or paste run)
    /usr/bin/python3 notebooks/run.py testdata/without-gonbuidisplay
                                                    only that test notebook (interrupt too; not paste)
    /usr/bin/python3 notebooks/run.py --self-test   feed the checker doctored notebooks (no kernel)
    /usr/bin/python3 notebooks/run.py --serve       the bundled server + Jupyter Notebook, by hand,
                                                    on copies of the notebooks in a temporary folder
    /usr/bin/python3 notebooks/run.py --serve-check start --serve, list the notebooks through its
                                                    API, stop it, check the checkout is unchanged

Use Debian's python3 (/usr/bin/python3): it sees Debian's jupyter_client and
nbformat, the only packages used. `make notebooks`, `make notebooks-update`
and `make notebook` install everything first (.ci/install-deps gonb).

A run starts the bundled development authorization server (through
gonbauth/internal/cmd/devserver, on 127.0.0.1), builds the sign-in helper
(gonbauth/internal/cmd/signin, headless Chromium), and executes each notebook
on the "gonb" kernel, acting as the person at the browser as each cell's tags
say. The parts live in notebooks/harness/ (its __init__.py lists them): what
the tags mean is in runner.py, the checks of an executed notebook in
checks.py, the paste-mode run in paste.py, the whole run in suite.py.
"""

import argparse
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the checkout (the serve check compares it)
sys.path.insert(0, str(Path(__file__).resolve().parent))

try:
    import nbformat  # noqa: F401  (checked here, so that a wrong python3 says what to do)
    import jupyter_client  # noqa: F401
except ImportError as e:  # pragma: no cover
    sys.exit(
        f"run.py: {e}: run it with Debian's /usr/bin/python3 after `.ci/install-deps gonb` "
        "(apt-get install jupyter-nbconvert jupyter-client python3-nbformat python3-nbclient)"
    )

from harness.common import CELL_TIMEOUT, say  # noqa: E402
from harness.selftest import run_self_test  # noqa: E402
from harness.serve import serve, serve_check  # noqa: E402
from harness.suite import run_notebooks  # noqa: E402


def report(problems, what=None, t=None):
    for p in problems:
        say("FAIL", p)
    if what:
        say(f"{what} {'FAILED' if problems else 'passed'} in {time.monotonic() - t:.1f} s")
    return 1 if problems else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="notebooks to run, testdata/<name> for a test notebook "
                    "(default: all, the test notebooks and the paste run)")
    ap.add_argument("--write", action="store_true", help="write the executed notebooks back into notebooks/")
    ap.add_argument("--out", help="directory for the executed notebooks (default: a new temporary one)")
    ap.add_argument("--self-test", action="store_true", help="only check that the checker catches doctored notebooks")
    ap.add_argument("--no-interrupt", action="store_true", help="skip the interrupt run")
    ap.add_argument("--no-paste", action="store_true", help="skip the paste run")
    ap.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT, help="seconds a cell may run (default %(default)s)")
    ap.add_argument("--serve", action="store_true", help="start the server and Jupyter Notebook for trying by hand")
    ap.add_argument("--serve-check", action="store_true",
                    help="check --serve: it lists only the notebooks and leaves the checkout as it was")
    args = ap.parse_args()

    if args.serve:
        return serve()
    if args.serve_check:
        return report(serve_check())
    if args.self_test:
        t = time.monotonic()
        return report(run_self_test(), "self-test", t)
    return run_notebooks(args.names, write=args.write, out=args.out, interrupt=not args.no_interrupt,
                         paste=not args.no_paste, cell_timeout=args.cell_timeout)


if __name__ == "__main__":
    sys.exit(main())
