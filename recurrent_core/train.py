"""``python -m recurrent_core.train``: the command line of :mod:`recurrent_core.training` (see ``--help``).

The package exports the *function* ``rc.train``; this module only runs :func:`recurrent_core.training.cli.main`.
Import from ``recurrent_core.training.cli`` instead: importing this module would rebind ``rc.train`` to it.
"""

from __future__ import annotations

from recurrent_core.training.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
