"""The heap after start-up. What a process builds before it serves (modules, the dispatcher
and its routers, the catalogs, SQLAlchemy's mappers and compiled statements) lives as long as
the process. Python's cyclic collector walks all of it in every full collection: about 0.2 s
each, several a minute under load, a tenth of the purchases bench's time
(bench/bench_purchases.py). `settle` moves it to the permanent generation (gc.freeze), which
the collector leaves out; garbage made while serving is collected as before."""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect once, then leave what is alive now out of later collections."""
    gc.collect()
    gc.freeze()
