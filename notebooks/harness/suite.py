"""The whole run of `make notebooks`: every notebooks/*.ipynb (or those named),
then the test notebooks (common.TEST_NBS: testdata/interrupt.ipynb, which
interrupts a cell waiting for a sign-in; testdata/without-gonbuidisplay.ipynb,
gonbauth in cells that use gonbui without package gonbuidisplay) and the
paste run (paste.py); then every result checked again with every secret of
the run, and the checks fed faults planted in a real result (selftest.py).
A test notebook can also be named, as testdata/<name>.

The executed notebooks go to a new temporary directory (printed); with write
they are then copied back into notebooks/ (never the interrupt or paste
test's), only if the whole run passed. The last line counts the runs:
"notebooks: N passed, M failed".
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from .checks import check_notebook, check_raw
from .common import CELL_TIMEOUT, INTERRUPT_NB, NB_DIR, PASTE_NB, TEST_NBS, say
from .outputs import cell_tags
from .paste import run_paste
from .runner import Run, has_page_cell
from .selftest import self_test


def select(names, interrupt=True):
    """The example notebooks to run (all, or those named), the test notebooks
    to run (all of TEST_NBS with no names, else those named testdata/<name>)
    and how many examples are skipped."""
    paths = sorted(NB_DIR.glob("*.ipynb"))
    tests = [p for p in TEST_NBS if interrupt or p != INTERRUPT_NB]
    if names:
        wanted = {n if n.endswith(".ipynb") else n + ".ipynb" for n in names}
        paths = [p for p in paths if p.name in wanted]
        tests = [p for p in TEST_NBS if "testdata/" + p.name in wanted]
        missing = wanted - {p.name for p in paths} - {"testdata/" + p.name for p in tests}
        if missing:
            sys.exit(f"run.py: no such notebook in {NB_DIR}, nor test notebook (testdata/<name>: "
                     f"{', '.join(p.stem for p in TEST_NBS)}): {', '.join(sorted(missing))}")
    kept = []
    for p in paths:
        why = nbformat.read(p, as_version=4).metadata.get("gonbauth", {}).get("skip")
        if why:
            say(f"{p.name}: skipped ({why})")
        else:
            kept.append(p)
    return kept, tests, len(paths) - len(kept)


class Tally:
    """The problems, times and outcomes of the runs, for the closing lines."""

    def __init__(self):
        self.problems, self.timings, self.outcomes = [], [], []  # outcomes: (run name, passed)

    def record(self, name, probs, elapsed):
        self.timings.append((name, elapsed))
        self.problems += probs
        self.outcomes.append((name, not probs))
        say(f"{name}: {elapsed:.1f} s, {'FAILED' if probs else 'ok'}")

    def add_new(self, probs):
        self.problems += [q for q in probs if q not in self.problems]


def run_notebooks(names=(), write=False, out=None, interrupt=True, paste=True, cell_timeout=CELL_TIMEOUT):
    """Runs the notebooks, then (with no names) the interrupt and paste runs;
    returns the exit status: 0 if everything passed."""
    paths, tests, skipped = select(names, interrupt)
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="gonbauth-nbrun-"))
    out_dir = Path(out) if out else Path(tempfile.mkdtemp(prefix="gonbauth-notebooks-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    tally, results, paste_run = Tally(), {}, None
    run = Run(work, cell_timeout)
    try:
        for p in paths:
            results[p.name], probs, elapsed = run.execute(p, out_dir / p.name)
            tally.record(p.name, probs, elapsed)
        for p in tests:
            _, probs, elapsed = run.execute(p, out_dir / ("testdata-" + p.name), "testdata/" + p.name)
            tally.record("testdata/" + p.name, probs, elapsed)
        if paste and not names:
            _, paste_run, probs, elapsed = run_paste(run, PASTE_NB, out_dir / ("testdata-" + PASTE_NB.name))
            tally.record("testdata/" + PASTE_NB.name, probs, elapsed)
    finally:
        run.close()

    # The server's log is complete now: check every result again with every
    # secret of the run, and that the checks catch faults planted in a real
    # one. They count as one more run.
    before_final = len(tally.problems)
    final_checks(tally, run.secrets, paths, tests, results, paste_run, out_dir)
    tally.outcomes.append(("final checks", len(tally.problems) == before_final))

    for name, elapsed in tally.timings:
        say(f"  {elapsed:6.1f} s  {name}")
    say(f"{len(run.secrets)} secrets of this run searched for; executed notebooks in {out_dir}")
    problems = tally.problems
    if write:
        if problems:
            say(f"not written back into {NB_DIR}: the run failed")
        else:
            for p in paths:
                shutil.copyfile(out_dir / p.name, p)
            say(f"written back into {NB_DIR}: {', '.join(p.name for p in paths)}")
    for p in problems:
        say("FAIL", p)
    if problems:
        say(f"kernel logs kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    say(f"{'FAILED' if problems else 'passed'} in {time.monotonic() - t0:.1f} s")
    passed = sum(ok for _, ok in tally.outcomes)
    line = f"notebooks: {passed} passed, {len(tally.outcomes) - passed} failed"
    print(line + (f", {skipped} skipped" if skipped else ""), flush=True)
    return 1 if problems else 0


def final_checks(tally, secrets, paths, tests, results, paste_run, out_dir):
    """Every result against every secret, then faults planted in real results."""
    for p in paths:
        tally.add_new(check_notebook(nbformat.read(out_dir / p.name, as_version=4), secrets, p.name))
    for p in tests:
        again = nbformat.read(out_dir / ("testdata-" + p.name), as_version=4)
        tally.add_new(check_notebook(again, secrets, "testdata/" + p.name))
    if paste_run is not None:
        name = "testdata/" + PASTE_NB.name
        again = check_notebook(nbformat.read(out_dir / ("testdata-" + PASTE_NB.name), as_version=4), secrets, name)
        tally.add_new(again + check_raw(paste_run, secrets))
    problems = tally.problems
    real_token = next((v for v, k in secrets.kinds.items()
                       if k.startswith("an access token") and "received by the page" not in k), None)
    real = next((nb for nb in results.values() if any("signin" in cell_tags(c) for c in nb.cells)), None)
    page_token = next((v for v, k in secrets.kinds.items()
                       if k.startswith("an access token (received by the page")), None)
    page_nb = next((nb for nb in results.values() if has_page_cell(nb)), None)
    tested = False
    if real is not None and real_token and not problems:
        problems += self_test(real, secrets, real_token, next(n for n, nb in results.items() if nb is real))
        tested = True
    if page_nb is not None and page_token and not problems:
        problems += self_test(page_nb, secrets, page_token, next(n for n, nb in results.items() if nb is page_nb))
        tested = True
    if paths and not problems and (not tested or (real is not None and not real_token)
                                   or (page_nb is not None and not page_token)):
        problems.append("self-test on the real results: no signed-in notebook, or no token was recorded")
