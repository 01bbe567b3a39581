"""Constrained recognition for whisper: a closed answer heard by scoring its phrasings against the audio.

Whisper has no grammar, and on a lone short answer it guesses ("five" → "Bye", "eight" → "Hey"). So a
closed answer (a rating, yes/no, a choice, a command) is heard twice over one encoding of just the
utterance (not whisper's 30 s window: ~10 ms to encode instead of ~300 ms):

1. **freely, bounded**: greedy, no temperature fallback, no timestamps, no previous text, a few tokens
   per second of voice at most (a looping decode cannot run away), repeats cut;
2. **forced**: every phrasing of the answer (``ClosedAnswer.phrasings``, plus the free text with its
   number swapped for each number the answer can hold: "Probably the 6" → "Probably the 0" ... "10") is
   scored with CTranslate2's ``Whisper.align``, which gives the probability of each token of a given text
   for the audio. A candidate is written as whisper writes ("Maybe 7.") and scored by its mean token
   log-probability: ``align`` has no end-of-text probability, so a sum would favour short candidates
   (a bare "1" beat "It was a 9." on "it was a nine"); the mean and the full stop stand in for it.

Scores become a posterior over meanings (a softmax; candidates with one meaning pooled; the free text,
when it means nothing, stands for "something else"). Then (``decide``): the free text means what forced
scoring likes best → agreed (confidence near 1); it means something forced scoring does not rule out →
the free text, with that meaning's posterior as confidence (a read-back under ``confirm = "auto"``);
ruled out ("6,10" for "six out of ten") → nothing; the free text means nothing → the forced best when its
posterior reaches ``accept_at`` ("Bye" → 5). Nothing is returned that parses unless one of these holds,
so the session asks again rather than store a guess.
Forced scoring is relative: some candidate always beats the others, even in a fan's hum or a TV's talk
(on babble alone, "We" became 1 and "is" 8 at 0.99). So "nobody answered" is an outcome of its own: when
no voice stands out of an utterance of more than one word's length (``voice_prominence_db`` below
``Tuning.stands_out_db``), only an
answer whisper wrote out itself and forced scoring agrees with is taken (for a rating, written as a number),
and there is no forced answer and no second opinion; the session asks again.
Before that, an unsure answer gets a second opinion (``ForcedScorer.second_opinion``): the utterance is
decoded freely again, faster and slower, and taken when such a decode means what forced scoring likes best.
The constants were tuned on espeak-ng and Piper clips (``scripts/bench speech``).
"""

from __future__ import annotations

import math
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Hashable, Iterable, Sequence

from assistant.speech.stt.base import SAMPLE_RATE, ClosedAnswer, SlotHeard, StorySlot
from assistant.speech.stt.edges import has_quiet, voice_prominence_db, with_quiet_edges

TOKENS_PER_VOICED_S = 8.0  # the free decode's budget: more than anyone says per second ...
MIN_TOKENS, MAX_TOKENS = 8, 32  # ... within these bounds
BATCH = 48  # candidates per align call
LONE_WORD_S = 1.0  # an utterance shorter than this is one word at most, with nothing around it to compare


@dataclass(frozen=True)
class Tuning:
    """How scores become a decision (tuned on the test clips; see the module docstring)."""

    sharpness: float = 4.0  # softmax over mean token log-probs: like a sum over a typical 4-token answer
    accept_at: float = 0.8  # a forced answer the free text did not hear is taken from this posterior (docs/design.md)
    agreement: float = 0.1  # both heard it: the doubt left is this share of the forced doubt
    other_penalty: float = 9.0  # the free text as "something else", this many nats below its own score
    overruled_below: float = 0.01  # the free text's meaning is dropped when forced scoring gives it less ...
    overrule_at: float = 0.95  # ... and the forced best taken instead when it is this sure
    second_stage: int = 3  # every phrasing is scored for this many meanings that did best in the first stage
    second_opinion: tuple[float, ...] = (0.87, 1.15)  # when unsure, heard again at these lengths (0.87: faster)
    stands_out_db: float = 9.5  # a voice this far above the utterance's floor is someone answering (see decide)
    read_back_at: float = 0.5  # in a noisy room, a forced answer from this posterior is offered to be read back
    noisy_most: float = 0.85  # in a noisy room, words around the answer that are no carrier: at most this sure
    # A story's slot (``ForcedScorer.story``): the words as transcribed stand for "no number here", this many
    # nats below their own log-likelihood, so a number is taken only when the audio likes it nearly as well.
    story_penalty: float = 5.5
    story_edge_s: float = 0.15  # the audio of a slot's sentence is taken this much wider each side


@dataclass(frozen=True)
class Aligned:
    """One text scored against the audio: its mean token log-probability, and the alignment behind it."""

    text: str
    score: float
    tokens: tuple[int, ...]
    probs: tuple[float, ...]
    alignments: tuple[tuple[int, int], ...]  # (token index, frame index) along the path


@dataclass(frozen=True)
class Heard:
    """One closed answer: what to report (``text``), what it means, and how sure the ear is."""

    text: str
    meaning: Hashable | None
    confidence: float
    free_text: str
    how: str  # agreed | free | forced | again | unsure
    words: tuple[tuple[str, float, float, float], ...] = ()  # (word, start s, end s, probability)


class ForcedScorer:
    """Closed answers over a loaded faster-whisper model (its CTranslate2 model, features and tokenizer)."""

    def __init__(self, model, tuning: Tuning | None = None, workers: int = 1) -> None:
        """``workers``: how many CTranslate2 workers ``model`` was loaded with (``num_workers``); each batch of
        candidates is split across them. On 2 cores two single-threaded workers scored a batch 1.5x faster
        than one call on two threads (180 vs 268 ms median)."""
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.tuning = tuning or Tuning()
        self.workers = workers
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="forced") if workers > 1 else None
        self.tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
        self.prompt = list(self.tokenizer.sot_sequence) + [self.tokenizer.no_timestamps]

    def hear(self, pcm16: bytes, closed: ClosedAnswer, voiced_s: float | None = None) -> Heard:
        """Hear one utterance (16 kHz int16) as an answer of ``closed``; it is first given quiet edges
        (``with_quiet_edges``), so a clip cut close to the voice is heard like a live answer."""
        budget = voiced_s if voiced_s is not None else len(pcm16) / (2 * SAMPLE_RATE)
        stands_out = (len(pcm16) < 2 * SAMPLE_RATE * LONE_WORD_S
                      or voice_prominence_db(pcm16) >= self.tuning.stands_out_db)
        noisy = not has_quiet(pcm16)
        pcm16, lead_s = with_quiet_edges(pcm16)
        encoded, frames = self.encode(pcm16)
        free = self.free_text(encoded, _token_budget(budget))
        first, later = stages(closed, free)
        aligned = self.score(encoded, frames, first + [free] if free else first)
        free_aligned = aligned.pop() if free else None
        scored = {a.text: a for a in aligned}
        top = _top_meanings(closed, {t: a.score for t, a in scored.items()}, self.tuning.second_stage)
        top.add(closed.meaning(free))
        second = [p for p in later if meanings_of(closed)[p] in top]
        scored.update((a.text, a) for a in self.score(encoded, frames, second))
        heard = decide(closed, free, free_aligned.score if free_aligned else None, list(scored),
                       [a.score for a in scored.values()], self.tuning, stands_out, noisy)
        if heard.meaning is None and stands_out:
            heard = self.second_opinion(pcm16, closed, budget, scored) or heard
            if noisy and heard.how == "again":  # through noise a second opinion is offered, never stored unasked
                heard = replace(heard, confidence=min(heard.confidence, self.tuning.noisy_most))
        # A second opinion's words are timed when a scored phrasing has them ("9." and "9").
        chosen = free_aligned if free_aligned and heard.text == free else scored.get(heard.text) or next(
            (a for a in scored.values() if _bare(a.text) == _bare(heard.text)), None)
        if chosen is not None and heard.meaning is not None:
            heard = _with_words(heard, self.words(chosen), -lead_s)
        return heard

    def second_opinion(self, pcm16: bytes, closed: ClosedAnswer, voiced_s: float,
                       scored: dict[str, Aligned]) -> Heard | None:
        """Nobody was sure: decode the utterance freely again at other speeds (``Tuning.second_opinion``;
        resampled, so the pitch moves too). An answer is taken only when such a free text means what the forced
        scores of the original audio like best, and with that posterior as its confidence (no agreement bonus),
        reported in that decode's words (what the person said, not a phrasing built from the first decode:
        "I'm out to 7" was stored for "about a seven"). On the bench clips espeak-ng's slow "nine", heard
        as "I'm in the high", is "9" at 0.87: 252 -> 261 of 301 espeak-ng clips right, Piper unchanged, no wrong
        value more (measured with ``accept_at`` 0.7). It runs for about 1 answer in 5 and costs ~100 ms
        then, while the endpoint is still waiting (an answer nobody is sure of is not complete). Speeding up
        helps the slow, flat espeak-ng voices most; a free decode given the answer's phrasings as a
        previous-text prompt instead made up numbers (29 wrong of 280 ratings), so the second opinion never
        sees the phrasings.
        """
        import numpy as np

        factors = self.tuning.second_opinion
        if not factors:
            return None
        audio = np.frombuffer(pcm16, "<i2").astype(np.float32)
        versions = [np.interp(np.linspace(0, len(audio) - 1, max(2, round(len(audio) * f))), np.arange(len(audio)),
                              audio).astype("<i2").tobytes() for f in factors]
        encoded, _frames = self.encode(*versions)  # one batch: the shorter ones padded with silence
        texts, scores = list(scored), [a.score for a in scored.values()]
        plain = replace(self.tuning, agreement=1.0)
        for free in self.free_texts(encoded, _token_budget(voiced_s * max(factors))):
            if not free or closed.meaning(free) is None:
                continue
            again = decide(closed, free, None, texts, scores, plain)
            if again.how == "agreed":  # the person's words as this decode heard them: they mean the answer
                return Heard(free, again.meaning, again.confidence, free, "again")
        return None

    def story(self, pcm16: bytes, slots: Sequence[StorySlot]) -> list[SlotHeard]:
        """Each slot of a told story (16 kHz int16 of the whole answer) heard by scoring its candidates against
        the audio of its sentence, and the words as transcribed beside them (``decide_slot``).

        Candidates differ only in the slot, so they are compared by the sum of their tokens' log-probabilities
        (the likelihood of the whole sentence), not the mean a closed answer uses: in a sentence of twenty
        tokens one changed word would barely move a mean."""
        edge = self.tuning.story_edge_s
        heard = []
        for slot in slots:
            start = max(0, round((slot.start_s - edge) * SAMPLE_RATE)) * 2
            end = min(len(pcm16), round((slot.end_s + edge) * SAMPLE_RATE) * 2)
            span, _lead = with_quiet_edges(pcm16[start:end])
            if len(span) < 2 * SAMPLE_RATE // 10:
                heard.append(SlotHeard(None, 0.0))
                continue
            encoded, frames = self.encode(span)
            aligned = self.score(encoded, frames, [slot.heard, *slot.candidates])
            sums = [a.score * len(a.probs) for a in aligned]
            heard.append(decide_slot(slot.values, sums[1:], sums[0], self.tuning))
        return heard

    def encode(self, *pcm16: bytes):
        """Log-mel features of just this audio, encoded: (encoder output, content frames). Several utterances
        are encoded as one batch, each padded with silence to the longest; none longer than whisper's window
        (the rest is left out)."""
        import ctranslate2
        import numpy as np

        extractor = self.model.feature_extractor
        # Whisper's encoder takes at most its 30 s window (3000 frames): anything longer is cut there, so no
        # utterance can fail to encode (a slowed second opinion of 28 s of noise did).
        audios = [np.frombuffer(p, "<i2")[: extractor.n_samples - extractor.hop_length].astype(np.float32) / 32768.0
                  for p in pcm16]
        longest = max(len(a) for a in audios)
        features = np.stack([extractor(np.pad(a, (0, longest - len(a)))) for a in audios])
        frames = min(features.shape[-1], extractor.nb_max_frames)
        frames -= frames % 2  # the encoder halves the frames
        if frames // 2 == self.model.model.n_mels:
            # CTranslate2 takes an input whose second dimension is n_mels for a spectrogram, so an encoding
            # exactly that long (a 1.6 s utterance with tiny.en) would be encoded again and heard as noise
            # ("about a seven" -> "I"). The last 20 ms are the silence after the voice: leave them out.
            frames -= 2
        features = np.ascontiguousarray(features[:, :, :frames])
        return self.model.model.encode(ctranslate2.StorageView.from_array(features)), frames

    def free_text(self, encoded, most_tokens: int) -> str:
        return self.free_texts(encoded, most_tokens)[0]

    def free_texts(self, encoded, most_tokens: int) -> list[str]:
        """Greedy, bounded decodes of each encoded utterance (side by side on the workers), repeats cut."""
        import ctranslate2
        import numpy as np

        def generate(part):
            return self.model.model.generate(part, [self.prompt] * part.shape[0], beam_size=1,
                                             max_length=len(self.prompt) + most_tokens)

        parts = [encoded]
        if encoded.shape[0] > 1 and self._pool is not None:
            whole = np.asarray(encoded)
            parts = [ctranslate2.StorageView.from_array(np.ascontiguousarray(whole[i : i + 1]))
                     for i in range(whole.shape[0])]
        found = []
        for result in (r for done in self._side_by_side(generate, parts) for r in done):
            said = self.tokenizer.decode(result.sequences_ids[0]).strip()
            text = cut_repeats(said)
            if len(result.sequences_ids[0]) >= most_tokens and text == said:
                text = " ".join(text.split()[:-1])  # cut off, not looping: the last word may be half a word
            found.append(text)
        return found

    def score(self, encoded, frames: int, texts: Sequence[str]) -> list[Aligned]:
        """Each text, written as whisper would write it, aligned to the audio and scored."""
        import ctranslate2
        import numpy as np

        tokens = [self.tokenizer.encode(" " + written(t)) for t in texts]
        one = np.asarray(encoded)

        def align(batch: list[list[int]]) -> list:
            repeated = ctranslate2.StorageView.from_array(np.ascontiguousarray(np.repeat(one, len(batch), axis=0)))
            return self.model.model.align(repeated, self.prompt, batch, frames)

        # As many batches as workers (none over BATCH), aligned side by side.
        size = min(BATCH, max(1, math.ceil(len(tokens) / self.workers)))
        batches = [tokens[start : start + size] for start in range(0, len(tokens), size)]
        found: list[Aligned] = []
        for text, ids, result in zip(texts, tokens, (r for run in self._side_by_side(align, batches) for r in run)):
            probs = tuple(result.text_token_probs) or (0.0,)
            found.append(Aligned(text, sum(math.log(max(p, 1e-9)) for p in probs) / len(probs), tuple(ids),
                                 probs, tuple(result.alignments)))
        return found

    def _side_by_side(self, work, parts: list) -> Iterable:
        """``work`` on each part, in order: on the workers when there are several parts and workers."""
        return self._pool.map(work, parts) if self._pool is not None and len(parts) > 1 else map(work, parts)

    def words(self, aligned: Aligned) -> list[tuple[str, float, float, float]]:
        """Word timings of an aligned text, from the alignment that scored it (as faster-whisper's
        ``find_alignment`` reads one, without aligning again): (word, start s, end s, probability)."""
        spelled, word_tokens = self.tokenizer.split_to_word_tokens(list(aligned.tokens) + [self.tokenizer.eot])
        jumps, last = [], None
        for text_index, time_index in aligned.alignments:  # the first frame of each token
            if text_index != last:
                jumps.append(time_index / self.model.tokens_per_second)
                last = text_index
        found, at = [], 0
        for word, ids in zip(spelled, word_tokens):
            end = at + len(ids)
            if ids != [self.tokenizer.eot] and end < len(jumps):
                probs = aligned.probs[at:end] or (0.0,)
                found.append((word, jumps[at], jumps[end], sum(probs) / len(probs)))
            at = end
        return found


def _token_budget(voiced_s: float) -> int:
    return max(MIN_TOKENS, min(MAX_TOKENS, math.ceil(voiced_s * TOKENS_PER_VOICED_S)))


def written(text: str) -> str:
    """How whisper writes an answer on its own: capitalised, with a full stop ("maybe 7" → "Maybe 7.")."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def cut_repeats(text: str) -> str:
    """A short window makes whisper loop: "About a seven, about a s" → "About a seven"; "7 7 7" → "7";
    "I think I am I think I am" → "I think I am"."""
    clauses = [c.strip() for c in re.split(r"(?<=[.,!?])\s+", text) if c.strip()]
    kept: list[str] = []
    for clause in clauses:
        bare = _bare(clause)
        if bare and any(_bare(k).startswith(bare) or _bare(k) == bare for k in kept):
            continue
        kept.append(clause)
    text = " ".join(kept).rstrip(",")
    for size in range(4, 0, -1):  # "I think I am I think I am" → "I think I am", then single words
        unit = r"[\w']+" + r"\s+[\w']+" * (size - 1)
        text = re.sub(rf"\b({unit})(?:[\s,.!?]+\1\b)+", r"\1", text, flags=re.IGNORECASE)
    return text


def _bare(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]", " ", text.lower()).split())


def anchored(closed: ClosedAnswer, free: str) -> list[str]:
    """The free text with its number swapped for each number the answer can hold (the digits in its
    phrasings): "Probably the 6." → "Probably the 0." ... "10.", so carriers nobody listed are scored
    too. The slot is the first word that alone means something ("the 6", "round five"), else the last."""
    numbers = sorted({w for p in closed.phrasings for w in p.split() if w.isdigit()}, key=int)
    said = re.split(r"[.!?]", free)[0].split()
    if not numbers or not said:
        return []
    slot = next((i for i, w in enumerate(said) if closed.meaning(w.strip(",;:")) is not None), len(said) - 1)
    return [" ".join(said[:slot] + [n] + said[slot + 1 :]) for n in numbers]


@lru_cache(maxsize=32)
def meanings_of(closed: ClosedAnswer) -> dict[str, Hashable | None]:
    """What each phrasing means (parsed once per question, not per utterance)."""
    return {p: closed.meaning(p) for p in closed.phrasings}


def stages(closed: ClosedAnswer, free: str) -> tuple[list[str], list[str]]:
    """The candidates scored first (the shortest phrasing of each meaning, and the free text with its number
    swapped), and those scored only for the best meanings of the first stage (``Tuning.second_stage``)."""
    meanings = meanings_of(closed)
    shortest: dict[Hashable | None, str] = {}
    for phrasing, meaning in meanings.items():
        if meaning is not None and (meaning not in shortest or len(phrasing) < len(shortest[meaning])):
            shortest[meaning] = phrasing
    first = list(dict.fromkeys(list(shortest.values()) + anchored(closed, free)))
    later = [p for p, m in meanings.items() if m is not None and p not in first]
    return first, later


def _top_meanings(closed: ClosedAnswer, scored: dict[str, float], how_many: int) -> set:
    best: dict[Hashable, float] = {}
    for text, score in scored.items():
        meaning = closed.meaning(text)
        if meaning is not None and score > best.get(meaning, -math.inf):
            best[meaning] = score
    return set(sorted(best, key=best.__getitem__, reverse=True)[:how_many])


def decide(closed: ClosedAnswer, free: str, free_score: float | None, candidates: Sequence[str],
           scores: Sequence[float], tuning: Tuning, stands_out: bool = True, noisy: bool = False) -> Heard:
    """Free text and forced scores → one answer (the rules are in the module docstring).

    ``stands_out``: a voice rises above the rest of the utterance (``voice_prominence_db``). When none does, the
    audio may be nobody answering at all (a fan, a TV, people talking nearby), and forced scoring will still
    find a candidate that beats the others: so only an answer whisper wrote out itself and forced scoring
    agrees with is taken, and for a rating only one written as a number (not "for" heard as 4).

    ``noisy``: the utterance has no quiet at all (``has_quiet``), so a voice that stands out is heard through
    noise and forced scoring is less sure of the right answer too. Its best is then offered from
    ``Tuning.read_back_at`` instead of ``accept_at``, at most ``Tuning.noisy_most`` sure: below
    ``confirm_below``, so under ``confirm = auto`` it is read back ("I heard 7. Is that right?"), never stored
    unasked (a forced "1 out of 10" for a real "nine" under babble had a posterior of 0.99; so does a second
    opinion, ``ForcedScorer.hear``). And whisper writes the room's talk as words around a number ("I'll be
    10." for a real "five" under babble, "Okay, one" for a "three", "on the first few" for a "zero"; forced
    scoring then agrees at 0.93-0.99, since the number fits the words whisper heard): an answer agreed on in a
    noisy room is stored unasked only when it is said as answers are (``said_as_an_answer``: the words of one
    of the answer's phrasings, "7", "it was a 7", "7, I think"); otherwise it is at most ``Tuning.noisy_most``
    sure and read back. In a quiet room nothing changes."""
    pooled: dict[Hashable, float] = {}
    best_text: dict[Hashable, tuple[float, str]] = {}
    for text, score in zip(candidates, scores):
        meaning = closed.meaning(text)
        if meaning is None:
            continue
        pooled[meaning] = _logaddexp(pooled.get(meaning), tuning.sharpness * score)
        if meaning not in best_text or score > best_text[meaning][0]:
            best_text[meaning] = (score, text)
    heard_free = closed.meaning(free) if free else None
    others = list(pooled.values())
    if heard_free is None and free_score is not None:
        others.append(tuning.sharpness * free_score - tuning.other_penalty)  # they said something else
    total = _logsumexp(others) if others else 0.0
    posterior = {m: math.exp(s - total) for m, s in pooled.items()}
    if heard_free is not None and heard_free not in posterior:  # a duration, a date: nothing to compare with
        return Heard(free, heard_free, math.exp(free_score) if free_score is not None else 0.0, free, "free")
    best = max(posterior, key=posterior.__getitem__) if posterior else None
    if heard_free is not None:
        p = posterior[heard_free]
        # Through noise a rating must be written as a number: "When I'm going to" over a TV is no 2.
        spelled = closed.kind != "rating" or re.search(r"\d", free) or (not noisy and stands_out)
        if best == heard_free and (spelled or (stands_out and _NUMBER.search(_bare(free)))):
            confidence = 1.0 - (1.0 - p) * tuning.agreement
            if noisy and not said_as_an_answer(closed, free):
                confidence = min(confidence, tuning.noisy_most)
            return Heard(free, heard_free, confidence, free, "agreed")
        if not stands_out or (noisy and best == heard_free):  # nor may forced scoring take it up instead
            return Heard("", None, p, free, "unsure")
        # A rating whisper did not write as a number ("to the to" → 2) that forced scoring does not back is a
        # sound-alike, not an answer to read back.
        if p >= tuning.overruled_below and (closed.kind != "rating" or _NUMBER.search(_bare(free))):
            return Heard(free, heard_free, p, free, "free")
    if heard_free is not None:
        accept_at = tuning.overrule_at
    else:
        accept_at = min(tuning.accept_at, tuning.read_back_at) if noisy else tuning.accept_at
    if stands_out and best is not None and posterior[best] >= accept_at:
        sure = min(posterior[best], tuning.noisy_most) if noisy else posterior[best]
        return Heard(best_text[best][1], best, sure, free, "forced")
    # Nobody is sure: report nothing that parses (a free text that parses is dropped), so the session asks again.
    return Heard(free if heard_free is None else "", None, posterior[best] if best is not None else 0.0, free,
                 "unsure")


def decide_slot(values: Sequence[int], scores: Sequence[float], heard_score: float, tuning: Tuning) -> SlotHeard:
    """A story's slot: the number whose candidates the audio likes best, taken only when its posterior (pooled
    over its candidates, against the others and against "no number here": the words as transcribed,
    ``Tuning.story_penalty`` nats down) reaches ``Tuning.accept_at``, the bar a closed answer's forced best
    must clear too."""
    pooled: dict[int, float] = {}
    best: dict[int, tuple[float, int]] = {}
    for index, (value, score) in enumerate(zip(values, scores)):
        pooled[value] = _logaddexp(pooled.get(value), score)
        if value not in best or score > best[value][0]:
            best[value] = (score, index)
    if not pooled:
        return SlotHeard(None, 0.0)
    total = _logsumexp([*pooled.values(), heard_score - tuning.story_penalty])
    top = max(pooled, key=pooled.__getitem__)
    sure = math.exp(pooled[top] - total)
    return SlotHeard(best[top][1] if sure >= tuning.accept_at else None, sure)


def said_as_an_answer(closed: ClosedAnswer, free: str) -> bool:
    """Whether ``free`` is worded as one of the answer's phrasings, whatever value it holds ("It was a 9." is
    "it was a 7"'s wording; "I'll be 10." is no rating's)."""
    return _wording(free) in _wordings(closed)


_NUMBER = re.compile(r"\b(\d+|zero|one|two|three|four|five|six|seven|eight|nine|ten)\b")


def _wording(text: str) -> str:
    return _NUMBER.sub("#", _bare(text))


@lru_cache(maxsize=32)
def _wordings(closed: ClosedAnswer) -> frozenset[str]:
    return frozenset(_wording(p) for p in closed.phrasings)


def _with_words(heard: Heard, aligned: list[tuple[str, float, float, float]], shift_s: float = 0.0) -> Heard:
    words = tuple((word.strip().strip(".,!?"), max(0.0, start + shift_s), max(0.0, end + shift_s), p)
                  for word, start, end, p in aligned if re.search(r"\w", word))
    return Heard(heard.text, heard.meaning, heard.confidence, heard.free_text, heard.how, words)


def _logaddexp(a: float | None, b: float) -> float:
    if a is None:
        return b
    high = max(a, b)
    return high + math.log(math.exp(a - high) + math.exp(b - high))


def _logsumexp(values: Sequence[float]) -> float:
    high = max(values)
    return high + math.log(sum(math.exp(v - high) for v in values))
