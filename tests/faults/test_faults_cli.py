"""Command-line values that cannot be right: one line naming the option or the value, exit status 2, no traceback,
and never an internal name (argparse shows a type function's name when it raises ValueError)."""

from __future__ import annotations

import argparse
import sys

import pytest

from scratchgrad.cli import build_parser


def _numeric_options() -> list[tuple[str, str, bool]]:
    """(command, option, takes floats) for every option of every subcommand that converts its value."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
    found = []
    for command, sub in commands.items():
        for action in sub._actions:
            if action.type is not None and action.option_strings and action.dest not in ("param", "input_shape"):
                found.append((command, action.option_strings[0], _accepts(action.type, "0.5")))
    return found


def _accepts(convert, text: str) -> bool:
    try:
        convert(text)
    except argparse.ArgumentTypeError:
        return False
    return True


NUMERIC = _numeric_options()


def test_the_numeric_options_were_found():
    names = {(c, o) for c, o, _ in NUMERIC}
    assert {("train", "--lr"), ("train", "--momentum"), ("train", "--seed"), ("search", "--workers")} <= names
    assert len(NUMERIC) >= 20


@pytest.mark.parametrize(("command", "option"), [(c, o) for c, o, _ in NUMERIC])
@pytest.mark.parametrize("garbage", ["abc", "", "1e", "0x10"])
def test_garbage_in_any_numeric_option_names_the_option_and_no_internal_function(refused, command, option, garbage):
    err = refused(command, option, garbage)
    assert f"argument {option}: must be " in err and "received" in err, err
    assert "_positive" not in err and "_flag" not in err and "invalid" not in err, err


@pytest.mark.parametrize(("command", "option"), [(c, o) for c, o, floats in NUMERIC if floats])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN"])
def test_nan_and_inf_fail_every_float_option(refused, command, option, value):
    # --opt=VALUE: argparse takes a bare "-inf" for an option name
    assert f"argument {option}: must be a finite number" in refused(command, f"{option}={value}")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--momentum", "5"], "argument --momentum: must be >= 0 and < 1, received 5"),
        (["train", "--momentum", "1"], "argument --momentum: must be >= 0 and < 1, received 1"),
        (["train", "--grad-clip", "nan"], "argument --grad-clip: must be a finite number > 0, received nan"),
        (["train", "--target-loss", "nan"], "argument --target-loss: must be a finite number > 0, received nan"),
        (["train", "--seed", "-1"], "argument --seed: must be from 0 to 4294967295, received -1"),
        (["train", "--seed", str(2**32)], "argument --seed: must be from 0 to 4294967295, received 4294967296"),
        (["search", "--seed", "-1"], "argument --seed: must be from 0 to 4294967295, received -1"),
        (["train", "--val-split", "1"], "argument --val-split: must be >= 0 and < 1, received 1"),
        (["train", "--epochs", "1.5"], "argument --epochs: must be a whole number >= 1, received '1.5'"),
    ],
)
def test_values_out_of_range_are_refused_naming_the_option(refused, argv, message):
    assert message in refused(*argv)


def test_summary_of_an_input_too_small_for_the_model_names_the_shape(refused):
    err = refused("summary", "--model", "simple_convnet", "--input-shape", "1,4,4")
    assert "summary: input shape (1, 4, 4) does not fit simple_convnet" in err and "in_features=0" in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory cap uses Linux's RLIMIT_AS")
@pytest.mark.parametrize(("model", "shape"), [("simple_convnet", "3,2000,2000"), ("two_layer_net", "3,2000,2000")])
def test_summary_of_an_absurd_input_is_refused_before_allocating_it(refused, model, shape):
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    err = refused("summary", "--model", model, "--input-shape", shape)
    sizes = tuple(int(s) for s in shape.split(","))
    assert f"summary: {model} for input shape {sizes} needs more than the 2 GiB summary allows" in err
    assert "Unable to allocate" in err
    assert resource.getrlimit(resource.RLIMIT_AS) == before  # the cap is lifted afterwards


def test_summary_of_a_normal_input_still_prints_the_table(cli):
    code, out, _ = cli("summary", "--model", "simple_convnet", "--input-shape", "1,28,28")
    assert code == 0 and "Total params: 433,890" in out
