"""Confirmed matches -> stories, without chaining unrelated articles through one weak link.

Union-find alone merges A and C whenever A~B and B~C, so one article that mentions two events
glues their stories together; among 35k articles it chains components of thousands. Here a link
merges two groups only when most pairs across them are confirmed matches too (majority rule).
Links are taken strongest first, so stories grow from their tightest cores. Measured on the dev
stories among 35k distractors, it beat average linkage and Louvain community detection, which
kept the chains union-find makes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dedup.disjoint import DisjointSets


def majority(
    n: int,
    links: Sequence[tuple[int, int, float]],
    share: float = 0.5,
    rank: Sequence[int] | None = None,
    apart: Callable[[int, int], bool] | None = None,
) -> list[list[int]]:
    """Group items 0..n-1 along confirmed `links`, strongest first; return groups of two or more.

    Two groups merge only when at least `share` of the pairs across them are confirmed links
    themselves: a story absorbs an article (or another story) that most of its members match,
    never one that a single member happens to match. Links of equal strength (every copy is 1.0)
    are taken in the order of their items' `rank` (default: the items' own order); a rank by
    article id makes the groups independent of the input's order.

    `apart(x, y)` is true of two items known to belong to different stories (their titles name
    different days, or they were published too far apart): two groups holding such a pair never
    merge, unless that pair is a confirmed link itself (a copy is one story whatever its title says).
    """
    rank = rank if rank is not None else range(n)
    confirmed = {(min(i, j), max(i, j)) for i, j, _ in links}
    group_of = list(range(n))
    members: dict[int, list[int]] = {}
    # Two groups that failed the check fail it again until one of them grows: remember the
    # failure by the groups' sizes, so big stories with many links between them are checked once.
    failed: set[tuple[int, int, int, int]] = set()
    for i, j, _score in sorted(links, key=lambda link: (-link[2], *sorted((rank[link[0]], rank[link[1]])))):
        gi, gj = group_of[i], group_of[j]
        if gi == gj:
            continue
        a = members.get(gi, [i])
        b = members.get(gj, [j])
        if len(a) * len(b) > 1:
            key = (min(gi, gj), max(gi, gj), len(a), len(b)) if gi < gj else (gj, gi, len(b), len(a))
            if key in failed:
                continue
            agree = sum((min(x, y), max(x, y)) in confirmed for x in a for y in b)
            if agree < share * len(a) * len(b) or (
                apart is not None and any(apart(x, y) and (min(x, y), max(x, y)) not in confirmed for x in a for y in b)
            ):
                failed.add(key)
                continue
        if len(a) < len(b):
            gi, gj, a, b = gj, gi, b, a
        for item in b:
            group_of[item] = gi
        members[gi] = a + b
        members.pop(gj, None)
    return sorted(sorted(g) for g in members.values() if len(g) > 1)


def stories(
    n: int,
    links: Sequence[tuple[int, int, float]],
    share: float = 0.5,
    rank: Sequence[int] | None = None,
    apart: Callable[[int, int], bool] | None = None,
    lone_floor: float = 0.0,
) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """The stories of items 0..n-1: `majority` groups, where a link under `lone_floor` counts
    only inside a story of three or more. Two items alone make a story only on a link that
    reaches the floor: with no third item to corroborate it, a weak pair is not enough.

    A group of two on a weak link is taken apart and its link set aside, and the items are
    grouped again without it (either may then join a story that group kept it from), until no
    such group is left. Returns the stories and the pairs set aside that end in no story
    together, as (smaller, larger) items.

    On the 35k corpus, stories of two joined by a same-story probability under 0.5 were one event
    2 times in 16 when judged by reading, against 55 in 63 at 0.5 or more (see
    MatchConfig.lone_pair_floor); in stories of ten or more, pairs under 0.5 were right 13 in 14:
    there the other members vouch for them.
    """
    groups = majority(n, links, share, rank, apart)
    aside: set[tuple[int, int]] = set()
    component: list[int] | None = None
    while lone_floor > 0:
        weak = _weak_pairs(groups, links, lone_floor)
        if not weak:
            break
        aside |= weak
        links = [link for link in links if (min(link[0], link[1]), max(link[0], link[1])) not in weak]
        # A group never reaches beyond the items its links connect, and the majority rule's choices
        # in one such part depend on its links alone: only the parts holding a weak pair are
        # grouped again.
        component = component or _components(n, links + [(i, j, 0.0) for i, j in weak])
        touched = {component[i] for i, _ in weak}
        again = majority(n, [link for link in links if component[link[0]] in touched], share, rank, apart)
        groups = sorted([g for g in groups if component[g[0]] not in touched] + again)
    if not aside:
        return groups, []
    story_of = {item: k for k, g in enumerate(groups) for item in g}
    return groups, sorted(p for p in aside if p[0] not in story_of or story_of[p[0]] != story_of.get(p[1]))


def _components(n: int, links: Sequence[tuple[int, int, float]]) -> list[int]:
    """For each item, a representative of the items its links connect it to."""
    sets: DisjointSets[int] = DisjointSets(range(n))
    for i, j, _ in links:
        sets.union(i, j)
    return [sets.find(x) for x in range(n)]


def _weak_pairs(
    groups: Sequence[Sequence[int]], links: Sequence[tuple[int, int, float]], floor: float
) -> set[tuple[int, int]]:
    """The groups of exactly two items whose link (the strongest, if given twice) is below `floor`."""
    pairs = {(min(g), max(g)) for g in groups if len(g) == 2}
    if not pairs:
        return set()
    strength: dict[tuple[int, int], float] = {}
    for i, j, score in links:
        key = (min(i, j), max(i, j))
        if key in pairs and score > strength.get(key, -1.0):
            strength[key] = score
    return {key for key in pairs if strength.get(key, 0.0) < floor}
