from __future__ import annotations

from dedup.cluster import drop_lone, lone_pairs, majority


def test_one_weak_bridge_does_not_merge_two_stories() -> None:
    # Story {0,1,2} and story {3,4}; article 2 also mentions story two and matches 3.
    links = [(0, 1, 0.8), (0, 2, 0.7), (1, 2, 0.75), (3, 4, 0.8), (2, 3, 0.45)]
    assert majority(5, links) == [[0, 1, 2], [3, 4]]


def test_no_links_no_stories() -> None:
    assert majority(4, []) == []


def test_majority_cuts_a_chain_of_single_links() -> None:
    # Union-find would make one group of a chain 0-1-2-3-4 where each article matches only the next.
    chain = [(0, 1, 0.9), (1, 2, 0.8), (2, 3, 0.7), (3, 4, 0.6)]
    assert majority(5, chain) == [[0, 1, 2], [3, 4]]


def test_majority_keeps_a_well_connected_story_whole() -> None:
    story = [(i, j, 0.5 + 0.01 * (i + j)) for i in range(5) for j in range(i + 1, 5) if (i, j) != (0, 4)]
    assert majority(6, [*story, (4, 5, 0.3)]) == [[0, 1, 2, 3, 4]]


def test_articles_known_apart_never_share_a_group() -> None:
    # 0-1 and 1-2 confirmed, 0-2 not: by majority 2 joins {0, 1} (one of the two pairs across),
    # unless 0 and 2 are known to be of different stories (titles naming different days).
    links = [(0, 1, 0.9), (1, 2, 0.8)]
    assert majority(3, links) == [[0, 1, 2]]
    apart = {(0, 2)}
    assert majority(3, links, apart=lambda x, y: (min(x, y), max(x, y)) in apart) == [[0, 1]]


def test_a_confirmed_link_overrides_what_says_its_ends_are_apart() -> None:
    # A copy is one story whatever its title says: a pair that is a link itself is not kept apart.
    links = [(0, 1, 1.0), (1, 2, 0.8), (0, 2, 0.7)]
    assert majority(3, links, apart=lambda x, y: {x, y} == {0, 2}) == [[0, 1, 2]]


def test_two_articles_alone_need_a_firmer_link_than_a_story_of_more() -> None:
    # {0, 1} by a weak link, {2, 3} by a firmer one, {4, 5} copies, {6, 7, 8} with a weak link inside.
    links = [(0, 1, 0.4), (2, 3, 0.6), (4, 5, 1.0), (6, 7, 0.9), (7, 8, 0.8), (6, 8, 0.4)]
    assert majority(9, links) == [[0, 1], [2, 3], [4, 5], [6, 7, 8]]
    assert majority(9, links, lone_floor=0.5) == [[2, 3], [4, 5], [6, 7, 8]]
    assert drop_lone(majority(9, links), links, 0.5) == ([[2, 3], [4, 5], [6, 7, 8]], [(0, 1)])
    # A pair given twice counts at its strongest; a floor of 0 keeps every group.
    assert lone_pairs([[0, 1]], [(1, 0, 0.3), (0, 1, 0.7)], 0.5) == []
    assert majority(9, links, lone_floor=0.0) == majority(9, links)
