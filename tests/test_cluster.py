from __future__ import annotations

import numpy as np

from dedup.cluster import average_linkage


def table_similarity(table: dict[tuple[int, int], float]):
    def sim(pairs: np.ndarray) -> np.ndarray:
        return np.array([table.get((min(i, j), max(i, j)), 0.0) for i, j in pairs.tolist()])

    return sim


def test_one_weak_bridge_does_not_merge_two_stories() -> None:
    # Story {0,1,2} and story {3,4}; article 2 also mentions story two and links to 3.
    table = {(0, 1): 0.8, (0, 2): 0.7, (1, 2): 0.75, (3, 4): 0.8, (2, 3): 0.45}
    links = [(i, j, s) for (i, j), s in table.items()]
    assert average_linkage(5, links, table_similarity(table), threshold=0.3) == [[0, 1, 2], [3, 4]]


def test_union_find_would_chain_but_strong_groups_still_merge() -> None:
    table = {(0, 1): 0.8, (1, 2): 0.8, (0, 2): 0.6}
    links = [(0, 1, 0.8), (1, 2, 0.8)]
    assert average_linkage(3, links, table_similarity(table), threshold=0.3) == [[0, 1, 2]]


def test_no_links_no_stories() -> None:
    assert average_linkage(4, [], table_similarity({}), threshold=0.3) == []


def test_majority_cuts_a_chain_of_single_links() -> None:
    from dedup.cluster import majority

    # Union-find would make one group of a chain 0-1-2-3-4 where each article matches only the next.
    chain = [(0, 1, 0.9), (1, 2, 0.8), (2, 3, 0.7), (3, 4, 0.6)]
    assert majority(5, chain) == [[0, 1, 2], [3, 4]]


def test_majority_keeps_a_well_connected_story_whole() -> None:
    from dedup.cluster import majority

    story = [(i, j, 0.5 + 0.01 * (i + j)) for i in range(5) for j in range(i + 1, 5) if (i, j) != (0, 4)]
    assert majority(6, [*story, (4, 5, 0.3)]) == [[0, 1, 2, 3, 4]]
