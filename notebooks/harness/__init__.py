"""The notebook harness behind notebooks/run.py and notebooks/bench.py, one
module a concern:

    common      paths, the kernel's name, timeouts, say(), building Go commands
    outputs     reading a cell's outputs: sign-in blocks, links, pages, tags
    checks      the secrets of a run and the checks of an executed notebook
    devserver   the development server (gonbauth/internal/cmd/devserver), the
                kernel's environment, the sign-in helper and the WebAssembly module
    kernel      the one GoNB kernel driver (jupyter_client): executes a cell,
                keeps its outputs as nbclient would, tells a watcher what it shows
    runner      executing a notebook and acting as the person at the browser
    paste       the paste-mode run (notebooks/testdata/paste.ipynb)
    suite       the whole run of `make notebooks` and its final checks
    selftest    the checks fed doctored notebooks (--self-test)
    serve       `make notebook` (--serve) and its check (--serve-check)

Use Debian's python3 (/usr/bin/python3): it sees Debian's jupyter_client and
nbformat, the only packages used.
"""
