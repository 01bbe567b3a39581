"""The fast tier's guard against speech models (``scripts/test --fast``): put on ``PYTHONPATH`` by
tests/conftest.py, so it runs in the test process and in every ``python -m assistant`` a test starts.

When ``ASSISTANT_TEST_MODEL_LOG`` names a file, loading a speech model (whisper through faster-whisper, a Vosk
model, a Piper voice) writes the running test's id and the model kind to that file and fails, instead of
taking seconds; conftest fails that test with a line saying to mark it ``slow``. Without the variable this
module does nothing.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys

# module → (attribute holding the class, the method that loads the weights)
GUARDED = {"faster_whisper": ("WhisperModel", "__init__"), "vosk": ("Model", "__init__"),
           "piper": ("PiperVoice", "load")}


class SpeechModelInFastTier(RuntimeError):
    """A test of the fast tier tried to load a speech model."""


def _refuse(kind: str):
    def load(*args, **kwargs):
        with open(os.environ["ASSISTANT_TEST_MODEL_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{os.environ.get('PYTEST_CURRENT_TEST', '?')}\t{kind}\n")
        raise SpeechModelInFastTier(f"{kind}: a speech model is loaded by a test of the fast tier")

    return load


def _guard(module) -> None:
    holder, method = GUARDED[module.__name__]
    cls = getattr(module, holder, None)
    if cls is not None:
        replacement = _refuse(module.__name__)
        setattr(cls, method, staticmethod(replacement) if method == "load" else replacement)


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the guarded modules as usual, then replaces their loading method once they are executed."""

    def find_spec(self, name, path=None, target=None):
        if name not in GUARDED:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        real = spec.loader

        class Loader(importlib.abc.Loader):
            def create_module(self, spec):
                return real.create_module(spec)

            def exec_module(self, module):
                real.exec_module(module)
                _guard(module)

        spec.loader = Loader()
        return spec


def install() -> None:
    if not os.environ.get("ASSISTANT_TEST_MODEL_LOG") or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    for name in GUARDED:
        if name in sys.modules:
            _guard(sys.modules[name])
    sys.meta_path.insert(0, _Finder())


install()
