"""A spoken reflection → debrief fields, each with the words it came from. Pure functions; every word list,
number phrasing and window is data in ``prompts/extract.toml`` (numbers, durations, dates and emotion words
come from ``prompts/session.toml`` through :mod:`assistant.dialogue.parse`, which parses each value).

``extract(transcript)`` returns an :class:`Extraction`: one frozen :class:`Extracted` per field it found,
with the value, the character span in the transcript it came from, those words, and the cue that tied it
to the field. ``parse_correction(text, current)`` turns what is said at the summary ("no, the peak was a
nine", "change the next step to text him first") into field updates; ``summary(extraction)`` is the short
line said back.

The parts, each a module: ``fields`` (the fields and what reading returns), ``rules`` (the rule file, read
once and checked, and number words), ``document`` (a transcript's tokens and the rating cues every field
shares; the tokenizer and phrase matcher are :mod:`assistant.dialogue.words`), ``ratings`` (which numbers are
ratings) and ``moments`` (before / at the worst / after), ``durations``, ``feelings`` (emotions, body),
``texts`` (the free-text fields, new topic, follow-up), ``note`` (how strong, who), ``reflection`` (all of
them over one transcript), ``corrections`` and ``summary``.

**Rules as data, not a model** — decided from measurements (``scripts/bench reflect``; the comparison is
``scripts/bench_reflect.py --model``). The rules read a 300-word (2-minute) transcript in ~20 ms and find
every said numeric field of the reflection table with no wrong value. The only small local models a package
registry carries for this are general spaCy pipelines; the one measured (``en_core_web_sm`` 3.8, 15 MB) takes
~0.9 s to load and ~180 ms for the same transcript on its own, knows nothing of "before / at the worst /
now", and, given the job the hand rules do best (is this number a count or a time?), its entity labels gave 2
wrong values on the table and lower recall on the held-out rows. Slower, less precise, and a parser
dependency: rules.

**Precision over recall.** A value that is not clearly said is left empty (the session asks for it); a
wrong number in the journal is worse than one more question. In particular:

* A rating is a number 0-10 that is clearly a rating ("a seven", "6 out of 10", a bare number right next
  to a cue or near a word about anxiety) and is not a count or a time ("my three cousins", "five minutes",
  "at three", "seven thirty": a number followed by a word not in ``may_follow`` counts something).
* It is tied to a cue ("before / going in / at first", "at the worst / peaked", "now / by the end"): the
  first number after a cue, or a number followed straight away by one ("a seven before"). Cues and
  numbers are paired along each sentence as a maximum matching; a number that two cues could claim with
  the same count of pairs is left empty. A cue that opens a clause takes it ("before I sent it", "by the
  time I got home"). Said loosely it still counts ("six-ish", "mid-sevens", "6 of 10", "a for" from a
  recogniser, only where "a" leads to a rating slot).
* Where a moment has no cue of its own, the way it was told can name it: a level held "start to finish"
  (or that "stayed at a five the whole time") is all three; "it never went above that" makes the reading
  before it the worst; readings joined by arrows ("6 -> 9 -> 3") are before, worst, after; between a said
  before and after, the highest reading above both is the worst; after the worst, a later lower one led by
  ", then" is the after. "The whole time" alone, or a bound with its own number ("never above a six"), names
  no moment and stays empty.
* Two numbers for one cue: a correction between them ("a six, no, more like a seven") takes the later; a
  range ("six or seven") the higher, as ``parse_rating`` does; anything else ("a four, then a nine") is
  left empty. "From a seven to a three" is two readings, not a range.
* Durations go to the conversation or to the feeling by the nearest words of each ("we talked", "the
  nerves lasted"), a rating said next to a length counting for the feeling ("a nine for 45 seconds");
  "it lasted" is said of what comes before it in its sentence; each cue takes its nearest length; two
  lengths said as a range are the higher; a length said alone at the head of its sentence ("About 5 mins.")
  is the meeting's. Estimates ("a few minutes"), parts ("the first ten minutes" is never the meeting's
  length) and points in time ("ten minutes in", "two hours ago", "an hour before I called") are left out.
* Feelings use ``parse_emotions`` (negated ones are left out), but a word that is also an ordinary word
  ("warm coffee", "close to an hour", "I hope to") counts only after a feeling frame ("I felt close"),
  and someone else's feeling ("she was angry") is left out.
* Free-text fields are the speaker's own words after (or before) a cue, up to the end of the sentence or
  the next cue; a value with fewer than two content words says nothing and is left empty.
"""

from assistant.dialogue.extract.corrections import parse_correction
from assistant.dialogue.extract.fields import ALL_FIELDS, FIELDS, KINDS, NOTE_FIELDS, TEXTS, Extracted, Extraction
from assistant.dialogue.extract.reflection import extract
from assistant.dialogue.extract.summary import label, said_back, summary, towards_you, with_values

__all__ = ["ALL_FIELDS", "FIELDS", "KINDS", "NOTE_FIELDS", "TEXTS", "Extracted", "Extraction", "extract", "label",
           "parse_correction", "said_back", "summary", "towards_you", "with_values"]
