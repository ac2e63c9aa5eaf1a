"""``chanrong insurance …``: the insurance command group.

Its one command today, ``chanrong insurance report`` (the quality index on a simulated park),
is demo code: it lives in ``chanrong.cli.insurance_demo`` and ``chanrong.cli.main`` attaches it
here, so the domain never imports the simulator.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Equipment insurance 设备保险", no_args_is_help=True, pretty_exceptions_show_locals=False
)
