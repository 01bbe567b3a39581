"""`assistant progress` in words, and the HTML report: self-contained, escaped, accessible, and rendered in
real headless Chromium (screenshot taken, no console errors)."""

from __future__ import annotations

import os
import re
import shutil
import stat
import struct
import subprocess
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest

from assistant.events import SessionEvent
from assistant.growth import ladder
from assistant.growth.plan import set_target
from assistant.growth.report import progress, render_html
from assistant.journal.store import Store

NOW = datetime.now(timezone.utc)
EVIL = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


def debrief(store: Store, at: datetime, step: int | None = None, before=None, peak=None, after=None,
            learned: str | None = None, ending: str = "finished") -> str:
    sid = str(uuid.uuid4())
    t = at.timestamp()
    store.record(SessionEvent("started", sid, "debrief", at=t, detail={"title": "Debrief after a practice step"}))
    if step is not None:
        ladder.link_session(store, sid, step)
    answers = [("anxiety_before", "rating", before), ("anxiety_peak", "rating", peak),
               ("anxiety_after", "rating", after), ("learned", "text", learned)]
    for i, (name, kind, value) in enumerate(answers, start=1):
        if value is not None:
            store.record(SessionEvent("answer", sid, "debrief", step_id=name, field=name, kind=kind, value=value,
                                      text=str(value), at=t + 10 * i, detail={"position": i}))
    if ending != "in_progress":
        store.record(SessionEvent(ending, sid, "debrief", at=t + 300))
    return sid


@pytest.fixture
def practised(store):
    """Three weeks of practice on a two-goal ladder, with words that need escaping."""
    first = ladder.add_step(store, "Say hi to the neighbour", 2, goal="Closer friendships").id
    second = ladder.add_step(store, "Tell Sam about my week " + EVIL, 5, goal="Closer friendships").id
    ladder.add_step(store, "Say I missed them", 8, goal="Closer friendships")
    ladder.add_step(store, "Hug Mum", 6, goal="Family & home")
    set_target(store, "disclosures", 2)
    plan = [(20, first, 4, 3, 2, "That people are kind"), (14, first, 3, 2, 1, None),
            (8, second, 6, 7, 4, "It gets easier " + EVIL), (2, second, 5, 5, 2, "Sam listens"),
            (1, second, None, None, None, None)]
    for days_ago, step, before, peak, after, learned in plan:
        debrief(store, NOW - timedelta(days=days_ago), step, before, peak, after, learned,
                ending="stopped" if before is None else "finished")
    debrief(store, NOW - timedelta(hours=3), None, 6, 6, 3)
    return store


# --- progress --------------------------------------------------------------------------------------


def test_progress_summary(practised):
    found = progress(practised, NOW)
    assert found.total == 3 and found.goal == "Closer friendships"
    assert found.passed == 1  # the first step met the rule
    assert len(found.lines) == 4 and all("{" not in line for line in found.lines)
    assert any("Ladder 'Closer friendships'" in line for line in found.lines)


def test_progress_on_an_empty_journal(store):
    found = progress(store)
    assert found.attempts == 0 and found.average_drop is None and found.total == 0
    assert found.lines[-1].startswith("No streak yet")


def test_progress_average_drop(store):
    debrief(store, NOW - timedelta(minutes=30), None, 7, 8, 3)
    debrief(store, NOW - timedelta(minutes=20), None, 5, 6, 4)
    found = progress(store, NOW)
    assert found.attempts == 2 and found.average_drop == 2.5
    assert "2.5 points" in found.lines[1]


# --- the page itself -------------------------------------------------------------------------------


class Outline(HTMLParser):
    """Collects what the accessibility checks need: svg elements, their labels, figures, external refs."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict] = []
        self.ids: dict[str, str] = {}
        self.current_id: str | None = None
        self.text: dict[str, str] = {}
        self.stack: list[str] = []
        self.external: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.stack.append(tag)
        if tag == "svg":
            self.svgs.append({**attrs, "parents": list(self.stack)})
        if "id" in attrs:
            self.current_id = attrs["id"]
            self.text[attrs["id"]] = ""
        for name in ("src", "href", "xlink:href"):
            if name in attrs:
                self.external.append(attrs[name])

    def handle_endtag(self, tag):
        if self.stack and self.stack[-1] == tag:
            self.stack.pop()
        self.current_id = None

    def handle_data(self, data):
        if self.current_id:
            self.text[self.current_id] += data


def test_report_is_self_contained_escaped_and_accessible(practised):
    page = render_html(practised, now=NOW)
    outline = Outline()
    outline.feed(page)
    assert page.startswith("<!DOCTYPE html>")
    assert "script" not in outline.tags and outline.external == []
    assert not re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", page)
    assert "<script>" not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "Family &amp; home" in page
    assert len(outline.svgs) == 3
    for svg in outline.svgs:
        assert svg["role"] == "img"
        assert "figure" in svg["parents"]
        title_id, desc_id = svg["aria-labelledby"].split()
        assert outline.text[title_id].strip() and outline.text[desc_id].strip()
    assert page.count("<figure") == page.count("<figcaption>") == page.count("<table>") == 3
    for learned in ("That people are kind", "Sam listens"):
        assert learned in page


def test_report_since_leaves_older_sessions_out(practised):
    page = render_html(practised, since=(NOW - timedelta(days=10)).astimezone().date(), now=NOW)
    assert "That people are kind" not in page and "Sam listens" in page


@pytest.mark.parametrize("since_days, until_days, kept, left_out", [
    (None, 5, ["That people are kind", "It gets easier"], ["Sam listens"]),
    (10, 5, ["It gets easier"], ["That people are kind", "Sam listens"]),
    (8, 8, ["It gets easier"], ["That people are kind", "Sam listens"]),  # one whole day, both ends included
])
def test_report_until_leaves_newer_sessions_out(practised, since_days, until_days, kept, left_out):
    def day(days_ago):
        return None if days_ago is None else (NOW - timedelta(days=days_ago)).astimezone().date()

    page = render_html(practised, since=day(since_days), now=NOW, until=day(until_days))
    assert all(words in page for words in kept) and not any(words in page for words in left_out)


def test_report_command_writes_a_private_file(practised, tmp_path, run_cli):
    out = tmp_path / "report.html"
    out.write_text("old")
    os.chmod(out, 0o644)
    done = run_cli("report", "-o", str(out), "--since", "4w")
    assert done.exit_code == 0, done.output
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert "<svg" in out.read_text()
    shown = run_cli("progress")
    assert shown.exit_code == 0 and "This week" in shown.output
    bad = run_cli("report", "-o", str(out), "--since", "last tuesday")  # how it was called: a usage mistake
    assert bad.one_line_error() and bad.exit_code == 2 and "cannot read the date 'last tuesday'" in bad.stderr
    until = run_cli("report", "-o", str(out), "--until", "5d")
    assert until.exit_code == 0, until.output
    assert "Sam listens" not in out.read_text() and "That people are kind" in out.read_text()


# --- real Chromium ---------------------------------------------------------------------------------


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("chromium is not installed; scripts/test installs it (apt-get install -y chromium)")
    return found


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0"]


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{uuid.uuid4().hex[:8]}"
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def png_pixels(path: Path) -> tuple[int, int, set[bytes]]:
    """Width, height and the set of distinct pixels of an 8-bit RGB/RGBA PNG (no Pillow needed)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    pixels, previous = set(), bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        if row % 4 == 0:  # a sample of rows is plenty to tell a page from a blank
            pixels.update(bytes(line[i:i + channels]) for i in range(0, stride, channels * 4))
        previous = line
    return width, height, pixels


def console_problems(stderr: str, page: Path) -> list[str]:
    return [line for line in stderr.splitlines()
            if ("CONSOLE" in line or "Uncaught" in line or "Refused to" in line)
            and (page.name in line or "Uncaught" in line or "Refused" in line or "ERROR:CONSOLE" in line)]


def test_report_renders_in_headless_chromium(practised, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_html(practised, now=NOW), encoding="utf-8")
    shot = tmp_path / "report.png"

    done = run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=1200,2000", page.as_uri())
    assert shot.exists(), done.stderr[-2000:]
    assert shot.stat().st_size > 20_000
    width, height, pixels = png_pixels(shot)
    assert (width, height) == (1200, 2000)
    assert len(pixels) > 20  # text, bars, lines and dots: far from a single colour
    assert console_problems(done.stderr, page) == [], done.stderr[-3000:]

    dom = run_chromium(tmp_path, "--dump-dom", page.as_uri())
    assert console_problems(dom.stderr, page) == [], dom.stderr[-3000:]
    rendered = dom.stdout
    assert rendered.count("<svg") == 3 and rendered.count('role="img"') == 3
    assert "<script" not in rendered  # the person's words stayed text
    assert "Tell Sam about my week &lt;script&gt;" in rendered
    outline = Outline()
    outline.feed(rendered)
    for svg in outline.svgs:
        title_id, desc_id = svg["aria-labelledby"].split()
        assert outline.text[title_id].strip() and outline.text[desc_id].strip()


def test_empty_report_renders_too(store, tmp_path):
    page = tmp_path / "empty.html"
    page.write_text(render_html(store), encoding="utf-8")
    shot = tmp_path / "empty.png"
    done = run_chromium(tmp_path, f"--screenshot={shot}", "--window-size=800,1200", page.as_uri())
    assert shot.exists() and console_problems(done.stderr, page) == [], done.stderr[-3000:]
    assert "No data yet." in page.read_text()


def _quick_entry(store, script: str, feelings_field: str, feelings: list[str], intensity: int | None) -> None:
    sid = uuid.uuid4().hex
    store.record(SessionEvent("started", sid, script, detail={"position": 0}))
    store.record(SessionEvent("answer", sid, script, step_id="r", field=feelings_field, kind="emotions",
                              value=feelings, text=" and ".join(feelings)))
    if intensity is not None:
        store.record(SessionEvent("answer", sid, script, step_id="i", field="intensity", kind="rating",
                                  value=intensity, text=str(intensity)))
    store.record(SessionEvent("finished", sid, script, detail={"position": 2}))


@pytest.mark.parametrize("entries, line", [
    ([], "Mood: no notes or check-ins yet"),
    ([("note", "emotions", ["nervous"], 6)], "Mood: 1 note or check-in; named most: nervous (1); strength 6/10"),
    ([("note", "emotions", ["nervous", "relieved"], 6), ("checkin", "feeling", ["nervous"], 3),
      ("note", "emotions", ["lonely"], None)],
     "Mood: 3 notes and check-ins; named most: nervous (2), relieved (1), lonely (1); strength 4.5/10"),
])
def test_the_report_mood_line_counts_notes_and_check_ins(assistant_home, entries, line):
    from assistant.growth.report import mood

    with Store.open() as store:
        for entry in entries:
            _quick_entry(store, *entry)
        assert mood(store).startswith(line), mood(store)
        assert line in render_html(store)
