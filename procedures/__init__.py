"""The procedures: one module (or package, when it owns records) per procedure, each registering its
rule checks, form contexts and service-task effects with `workflows.registry`.

`discover()` imports every submodule (a package's `procedure` module): there is no hand-kept list.
`ProceduresConfig.ready()` calls it once Django's models are loaded. `common/` is what procedures
share (votes, the start guard); procedures never import each other.
"""

from __future__ import annotations

import importlib
import pkgutil

SHARED = {"common", "apps"}


def discover() -> list[str]:
    """Import every procedure module under this package; returns their dotted names."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name in SHARED:
            continue
        name = f"{__name__}.{info.name}" + (".procedure" if info.ispkg else "")
        importlib.import_module(name)
        found.append(name)
    return found
