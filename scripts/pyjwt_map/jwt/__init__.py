"""A ``jwt`` package for PyJWT's tests against ``keyturn.pyjwt`` (scripts/pyjwt_suite.py).

Every name ``keyturn.pyjwt`` provides (top level and per submodule: ``jwt.api_jwt.PyJWT``,
``jwt.exceptions``, ...) is keyturn's; every other name falls back to real PyJWT, loaded from the
sdist in ``$KEYTURN_PYJWT_SOURCE`` as ``_pyjwt_real``. Real PyJWT is loaded with keyturn's
``exceptions`` and ``warnings`` modules in place of its own, so an error raised by a fallback
(``PyJWS``, ``algorithms``) is the same class a test imports from ``jwt.exceptions``.
"""

from __future__ import annotations

import importlib as _importlib
import importlib.util
import os as _os
import sys as _sys
import types as _types

import keyturn.pyjwt as _keyturn

_SUBMODULES = (
    "exceptions",
    "warnings",
    "utils",
    "types",
    "algorithms",
    "api_jwk",
    "api_jws",
    "api_jwt",
    "jwk_set_cache",
    "jwks_client",
    "help",
)


def _load_real() -> _types.ModuleType:
    source = _os.environ["KEYTURN_PYJWT_SOURCE"]
    spec = _importlib.util.spec_from_file_location(
        "_pyjwt_real", _os.path.join(source, "__init__.py"), submodule_search_locations=[source]
    )
    assert spec is not None
    assert spec.loader is not None
    real = _importlib.util.module_from_spec(spec)
    _sys.modules["_pyjwt_real"] = real
    _sys.modules["_pyjwt_real.exceptions"] = _keyturn.exceptions
    _sys.modules["_pyjwt_real.warnings"] = _keyturn.warnings
    spec.loader.exec_module(real)
    return real


def _overlay(
    name: str, real: _types.ModuleType, ours: _types.ModuleType | None
) -> _types.ModuleType:
    """A module named ``name``: real PyJWT's namespace with keyturn's public names on top."""
    if ours is None:
        return real
    module = _types.ModuleType(name)
    module.__dict__.update({k: v for k, v in vars(real).items() if not k.startswith("__")})
    module.__dict__.update({k: getattr(ours, k) for k in getattr(ours, "__all__", ())})
    return module


def _ours(submodule: str) -> _types.ModuleType | None:
    try:
        return _importlib.import_module(f"keyturn.pyjwt.{submodule}")
    except ImportError:
        return None


_real = _load_real()
for _name in _SUBMODULES:
    _real_sub = _importlib.import_module(f"_pyjwt_real.{_name}")
    _mapped = _overlay(f"jwt.{_name}", _real_sub, _ours(_name))
    _sys.modules[f"jwt.{_name}"] = _mapped
    globals()[_name] = _mapped

globals().update({k: v for k, v in vars(_real).items() if not k.startswith("_")})
globals().update({k: getattr(_keyturn, k) for k in _keyturn.__all__})
__version__ = _keyturn.__version__
