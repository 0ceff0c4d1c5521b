"""``engine.scope``: a subtree as an index range on the path, and the code a path leads to."""

from engine.scope import code_at, upper_bound


def test_every_path_under_a_prefix_sorts_inside_its_range_and_no_other():
    prefix = "/15/1502/"
    inside = ["/15/1502/", "/15/1502/150201/", "/15/1502/~"]
    outside = ["/15/1503/", "/15/15020/", "/15/"]
    assert all(prefix <= path < upper_bound(prefix) for path in inside)
    assert not any(prefix <= path < upper_bound(prefix) for path in outside)


def test_the_code_a_path_leads_to_is_its_last_segment():
    assert code_at("/150000000000/150223000000/150223100201/") == "150223100201"
    assert code_at("/15/") == "15"
