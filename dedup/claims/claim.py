"""The claim: one number as an article states it.  The fields only the comparison of claims reads
are computed on their first read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dedup.claims.sentences import _context, _lead_words

if TYPE_CHECKING:
    from dedup.claims.sentences import _Sentence


@dataclass(frozen=True)
class Claim:
    """One numeric claim as written in an article.

    The extractor leaves out the fields only the comparison of claims reads (context, lead and
    the sentence's words, entities, years and plan; see _LAZY_FIELDS): a third of all claims are
    never compared.  They are computed together on the first read of any of them, from what the
    extractor keeps under ``_lazy`` until then, and are then ordinary instance fields with the
    values the extractor would have given them."""

    value: float
    low: float | None
    high: float | None
    qualifier: str | None
    unit: str | None
    noun: str | None
    quantity: str
    text: str
    start: int
    end: int
    sentence: str
    # --- extras used by the reconciler ---
    qclass: str = "eq"  # eq | gt | lt | approx | approx_tight | ge | le | vague | range
    granularity: float = 1.0  # place value of the last written significant digit (scale applied)
    precise: bool = True  # a bare exact count: no trailing zeros, decimals or scale word
    predicate: str | None = None  # canonical predicate class ("chết", "bị thương"…)
    kind: str = "count"  # count | amount | percent | vague | range | attribute
    head: str | None = None  # canonical head noun (synonyms merged, classifier dropped)
    # The fields computed on first read take default factories: a plain default would be a class
    # attribute, found before __getattr__ is asked.
    context: frozenset[str] = field(default_factory=frozenset)  # content syllables and bigrams around the claim
    tail: str = ""  # lower-cased words after the number up to the clause end
    sentence_start: int = 0  # offset of `sentence` in the raw text
    lead: frozenset[str] = field(default_factory=frozenset)  # content syllables just before the claim, same clause
    sent_words: frozenset[str] = field(default_factory=frozenset)  # content syllables of the whole sentence
    entities: frozenset[str] = field(default_factory=frozenset)  # capitalised names in the sentence (anchors)
    years: frozenset[str] = field(default_factory=frozenset)  # years named in the sentence (time-frame anchor)
    plan: bool = field(default_factory=bool)  # the sentence states a plan or forecast (sẽ, dự kiến…); False
    # Days and months the figure is dated by: those its sentence names, else those of the title
    # (the first line); (day, month), day None for a month alone ("tháng 6").  See :func:`dates_in`.
    dates: frozenset[tuple[int | None, int]] = field(default_factory=frozenset)

    def __getattr__(self, name: str) -> object:
        """A field the extractor left out (only asked for attributes not in the instance's dict)."""
        state = self.__dict__
        if name not in _LAZY_FIELDS or "_lazy" not in state:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        state.update(_lazy_fields(*state["_lazy"]))
        del state["_lazy"]  # only once the fields are in; and the sentence is let go
        return state[name]

    def __getstate__(self) -> dict[str, object]:
        """Pickled and copied without the fields left out: in their place the claim's sentence
        alone (a SentencePiece, one per sentence however many claims it holds) and the claim's
        offsets in it, from which they are computed on first read as before. So a stored claim
        carries neither its whole text nor words it may never be compared on."""
        state = self.__dict__
        lazy = state.get("_lazy")
        if lazy is None:
            return state
        info, a, b = lazy
        out = {k: v for k, v in state.items() if k != "_lazy"}
        out["_piece"] = (info.piece(), a - info.s0, b - info.s0)
        return out

    def __setstate__(self, state: dict[str, object]) -> None:
        """The fields as pickled; a sentence piece in place of the fields left out becomes their
        source again (claims pickled with every field have none)."""
        state = dict(state)
        piece = state.pop("_piece", None)
        self.__dict__.update(state)
        if piece is not None:
            kept, a, b = piece  # type: ignore[misc]
            self.__dict__["_lazy"] = (kept.sentence(), a, b)


# The index keeps its articles' claims pickled (store.figures_blob), and pickle names a class by
# its module: Claim goes by dedup.claims.Claim, the name it is imported by and the one the indexes
# written before the package was split hold, whichever module of the package defines it.
Claim.__module__ = "dedup.claims"


# The fields of Claim that only the comparison of claims reads, left out by _make.
_LAZY_FIELDS = frozenset({"context", "lead", "sent_words", "entities", "years", "plan", "dates"})


def _lazy_fields(info: _Sentence, a: int, b: int) -> dict[str, object]:
    """The _LAZY_FIELDS of the claim at info.text[a:b] in sentence `info`, as _make computed them."""
    info.read()
    text, s0, s1 = info.text, info.s0, info.s1
    return {
        "context": _context(text, a, b, s0, s1, info),
        "lead": _lead_words(text, a, s0, info),
        "sent_words": info.words,
        "entities": info.entities,
        "years": info.years,
        "plan": info.plan,
        "dates": info.dates(),
    }
