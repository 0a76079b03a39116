from __future__ import annotations

from dedup.cluster import majority, stories


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
    assert stories(9, links, lone_floor=0.5) == ([[2, 3], [4, 5], [6, 7, 8]], [(0, 1)])
    assert stories(9, links) == (majority(9, links), [])  # no floor
    # A pair given twice counts at its strongest.
    assert stories(2, [(1, 0, 0.3), (0, 1, 0.7)], lone_floor=0.5) == ([[0, 1]], [])


def test_a_weak_pair_set_aside_frees_its_articles_to_join_the_story_it_kept_them_from() -> None:
    # 1 matches 2 (0.42) and 0 (0.45): {0, 1} forms first and keeps 1 out of {2, 3} (1 of the 4
    # pairs across confirmed). Set aside, 0-1 no longer stands in the way: 1 joins {2, 3} (1 of 2).
    links = [(2, 3, 0.9), (0, 1, 0.45), (1, 2, 0.42)]
    assert majority(4, links) == [[0, 1], [2, 3]]
    assert stories(4, links, lone_floor=0.5) == ([[1, 2, 3]], [(0, 1)])
    # Inside a larger story a weak pair is no lone pair.
    both = [(0, 2, 0.9), (1, 2, 0.9), (0, 1, 0.3)]
    assert stories(3, both, lone_floor=0.5) == ([[0, 1, 2]], [])
