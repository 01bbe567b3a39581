"""Vosk (Kaldi) engine: one shared Model per process, one KaldiRecognizer per stream/thread.

vosk 0.3.45 has no ``SetEndpointerDelays``, so the answer-level end of speech is ours (``endpoint``);
Vosk's own endpointing only splits an answer into several finals. Grammars (closed answers) work only
on dynamic-graph models (small and lgraph: ``graph/HCLr.fst`` + ``graph/Gr.fst``); on a static-graph
model the grammar is ignored and recognition is free, with the parser doing the constraining.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Sequence

from assistant.events import EngineInfo, Transcript, Word
from assistant.speech.stt.base import SAMPLE_RATE
from assistant.text import fail

_MODELS: dict[str, object] = {}
_LOCK = threading.Lock()


def shared_model(path: Path):
    """Load a Vosk model once per process (loading is the expensive part; the Model is shareable)."""
    key = str(Path(path).resolve())
    with _LOCK:
        if key not in _MODELS:
            try:
                import vosk
            except ImportError as exc:  # pragma: no cover - dependency missing
                raise fail("engine_missing", engine="vosk", package="vosk") from exc
            vosk.SetLogLevel(-2)  # -1 still prints Kaldi warnings (e.g. grammar words missing from a model)
            try:
                _MODELS[key] = vosk.Model(key)
            except Exception as exc:  # vosk raises a bare Exception on a bad model
                raise fail("model_load_failed", path=key, reason=exc) from exc
        return _MODELS[key]


class VoskEngine:
    def __init__(self, path: Path, name: str = "", language: str = "", dynamic_graph: bool | None = None,
                 reason: str = "", source: str = "") -> None:
        self.path = Path(path)
        self.model = shared_model(self.path)
        if dynamic_graph is None:
            dynamic_graph = (self.path / "graph" / "HCLr.fst").exists() and (self.path / "graph" / "Gr.fst").exists()
        self.dynamic_graph = dynamic_graph
        self.info = EngineInfo("vosk", name or self.path.name, str(self.path), language, reason, {"source": source})

    def recognizer(self, grammar: Sequence[str] | None = None, partials: bool = True, batch: bool = False,
                   closed=None, vad=None, open_answer: bool = False) -> "VoskRecognizer":
        """``closed`` (phrasings to score) is whisper's way to constrain an answer; Vosk has the grammar.
        ``vad`` and ``open_answer`` are ignored: Kaldi's own endpointer cuts Vosk's utterances, and Vosk decodes
        with its context as it streams."""
        import vosk

        if grammar and self.dynamic_graph:
            rec = vosk.KaldiRecognizer(self.model, SAMPLE_RATE, json.dumps(list(grammar), ensure_ascii=False))
        else:
            rec = vosk.KaldiRecognizer(self.model, SAMPLE_RATE)
        rec.SetWords(True)
        return VoskRecognizer(rec, self.info, partials)


class VoskRecognizer:
    def __init__(self, rec, info: EngineInfo, partials: bool) -> None:
        self._rec, self._info, self._partials = rec, info, partials
        self._last_partial = ""

    def _final(self, raw: str) -> list[Transcript]:
        self._last_partial = ""
        data = json.loads(raw)
        text = data.get("text", "").strip()
        if not text:  # Vosk emits empty finals on silence: drop them
            return []
        words = tuple(
            Word(w["word"], float(w["start"]), float(w["end"]), float(w.get("conf", 1.0)))
            for w in data.get("result", [])
        )
        return [Transcript(text, True, words, "vosk", self._info.model, self._info.language)]

    def accept(self, pcm16: bytes) -> list[Transcript]:
        if self._rec.AcceptWaveform(pcm16):
            return self._final(self._rec.Result())
        if not self._partials:
            return []
        partial = json.loads(self._rec.PartialResult()).get("partial", "").strip()
        if not partial or partial == self._last_partial:  # de-duplicate unchanged partials
            return []
        self._last_partial = partial
        return [Transcript(partial, False, (), "vosk", self._info.model, self._info.language)]

    def finish(self) -> list[Transcript]:
        return self._final(self._rec.FinalResult())
