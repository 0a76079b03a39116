"""Frozen records that flow through the pipeline: articles in, matches and stories out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from dedup.disjoint import DisjointSets


@dataclass(frozen=True)
class Article:
    """One news article as read from input; `text` and `title` are kept exactly as written (NFC)."""

    id: str
    text: str
    title: str = ""
    source: str | None = None
    url: str | None = None
    published: datetime | None = None
    origin: str = ""  # "file:line" or "file", for messages that point the user at the input


@dataclass(frozen=True)
class Rejected:
    """A record that could not be read, kept for the report under `rejected` (with --skip-bad)."""

    origin: str
    reason: str
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The record as it appears under `rejected` in the JSON report."""
        return {"origin": self.origin, "id": self.id, "reason": self.reason}


@dataclass(frozen=True)
class Match:
    """A confirmed pair of articles, `a` < `b`, with the evidence that confirmed it."""

    a: str
    b: str
    kind: str  # "duplicate" | "same_story"
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Story:
    """Two or more articles about one event; `articles` sorted by id."""

    id: str
    articles: tuple[str, ...]
    claims: tuple[dict[str, Any], ...] = ()
    facts: tuple[dict[str, Any], ...] = ()  # the fact table: a row per compared quantity


@dataclass(frozen=True)
class Report:
    """Everything a run found, ready to be written as JSON, Markdown or HTML."""

    articles: tuple[Article, ...]
    matches: tuple[Match, ...]
    stories: tuple[Story, ...]
    rejected: tuple[Rejected, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)
    earlier: frozenset[str] = frozenset()  # articles of an index listed for their stories, not the run's

    def story_of(self) -> dict[str, str]:
        """Map article id -> story id for every article that belongs to a story."""
        return {a: s.id for s in self.stories for a in s.articles}

    @cached_property
    def story_matches(self) -> dict[str, list[Match]]:
        """Each story's confirmed pairs, in report order (derived once per report)."""
        return matches_by_story(self.matches, self.stories)

    @cached_property
    def confidence_of(self) -> dict[str, str]:
        """Each story's confidence (see story_confidence), by story id."""
        return {s.id: story_confidence(s.articles, self.story_matches[s.id]) for s in self.stories}


def matches_by_story(matches: Sequence[Match], stories: Sequence[Story]) -> dict[str, list[Match]]:
    """Each story's pairs among `matches`, in their order; every story has an entry."""
    story_of = {a: s.id for s in stories for a in s.articles}
    out: dict[str, list[Match]] = {s.id: [] for s in stories}
    for m in matches:
        sid = story_of.get(m.a)
        if sid is not None and sid == story_of.get(m.b):
            out[sid].append(m)
    return out


def story_confidence(articles: Sequence[str], pairs: Sequence[Match]) -> str:
    """How far a story can be trusted: "firm" when its firm pairs (copies and same-story pairs at
    the firm cut) alone join all its articles, else "likely"."""
    members = set(articles)
    sets: DisjointSets[str] = DisjointSets(members)
    groups = len(members)
    for m in pairs:
        if m.evidence.get("confidence") == "firm" and m.a in members and m.b in members and sets.union(m.a, m.b):
            groups -= 1
    return "firm" if groups == 1 else "likely"
