from __future__ import annotations

import random

from dedup.disjoint import DisjointSets


def test_sets_join_along_links_and_keep_the_second_items_representative() -> None:
    sets: DisjointSets[str] = DisjointSets(["a", "b", "c", "d"])
    assert sets.union("a", "b") and sets.union("b", "c")
    assert not sets.union("a", "c")  # one set already
    assert sets.find("a") == sets.find("c") == "c" and sets.find("d") == "d"
    assert sets.find("new") == "new"  # an unseen item is a set of its own


def test_sets_equal_a_plain_flood_fill_over_random_links() -> None:
    rng = random.Random(7)
    n = 200
    links = [(rng.randrange(n), rng.randrange(n)) for _ in range(150)]
    sets: DisjointSets[int] = DisjointSets(range(n))
    for i, j in links:
        sets.union(i, j)
    neighbours: dict[int, set[int]] = {k: set() for k in range(n)}
    for i, j in links:
        neighbours[i].add(j)
        neighbours[j].add(i)
    seen: set[int] = set()
    for start in range(n):
        if start in seen:
            continue
        group, todo = {start}, [start]
        while todo:
            for k in neighbours[todo.pop()] - group:
                group.add(k)
                todo.append(k)
        seen |= group
        assert {sets.find(k) for k in group} == {sets.find(start)}
        assert all(sets.find(k) != sets.find(start) for k in range(n) if k not in group)
