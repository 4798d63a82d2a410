"""ExplainerSession: what the window shows, as plain data that round-trips and validates."""

import pytest

from visualizer.core.errors import ConfigError
from visualizer.core.session import VERSION, ExplainerSession, split_by_role


def test_open_holds_the_defaults_split_by_role():
    s = ExplainerSession.open("gan", seed=3)
    assert s.options["lr_d"] == 2e-3 and "show_arrows" not in s.options
    assert s.view["show_arrows"] is True and "lr_d" not in s.view
    assert s.seed == 3 and s.device == "cpu" and s.lesson_step == 0


def test_update_coerces_routes_and_keeps_nothing_when_a_value_is_bad():
    s = ExplainerSession.open("gan")
    to_lab, to_view = s.update({"lr_d": "0.01", "show_arrows": "false"})
    assert to_lab == {"lr_d": 0.01} and to_view == {"show_arrows": False}
    assert s.options["lr_d"] == 0.01 and s.view["show_arrows"] is False
    with pytest.raises(ConfigError, match="width"):
        s.update({"lr_g": 0.5, "width": 0})
    assert s.options["lr_g"] == 2e-3 and s.options["width"] == 128


def test_cross_option_checks_apply():
    s = ExplainerSession.open("attention")
    with pytest.raises(ConfigError, match="heads"):
        s.update({"model": "mha", "dim": 10, "heads": 4})


def test_round_trip_through_a_dict():
    s = ExplainerSession.open("positional", seed=7)
    s.update({"kind": "rope", "positions": 32})
    s.lesson_step = 4
    again = ExplainerSession.from_dict(s.to_dict())
    assert again == s and again.to_dict()["version"] == VERSION


@pytest.mark.parametrize("data, phrase", [
    ([], "not a JSON object"),
    ({"version": VERSION + 1, "explainer": "gan"}, "version"),
    ({"version": VERSION, "explainer": "nope"}, "unknown explainer"),
    ({"version": VERSION, "explainer": "gan", "seed": -1}, "seed"),
    ({"version": VERSION, "explainer": "gan", "options": {"width": "wide"}}, "width"),
    ({"version": VERSION, "explainer": "gan", "options": {"colour": 1}}, "unknown option"),
])
def test_a_bad_session_is_refused_in_words(data, phrase):
    with pytest.raises(ConfigError, match=phrase):
        ExplainerSession.from_dict(data)


def test_split_by_role_is_the_one_router():
    from visualizer.core import registry

    options = registry.get("gan").load_options()
    assert split_by_role(options, {"lr_d": 1e-3, "show_real": False, "width": 8}) == (
        {"lr_d": 1e-3, "width": 8}, {"show_real": False})
