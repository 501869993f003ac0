"""Random search: draws by (seed, trial), serial = parallel, resume after a crash, narrowing, no test set."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scratchgrad.lab.search import ParamRange, SearchSettings, draw, read_results, run_search, run_trial
from scratchgrad.lab.search_report import best, narrow, summary

SETTINGS = SearchSettings(params=[ParamRange.parse("lr=1e-3:1:log"), ParamRange.parse("weight_decay=1e-8:1e-4:log")],
                          epochs=1, limit=500)


def comparable(results):
    """Trial records without their timings, in trial order (parallel runs finish in any order)."""
    return sorted(({k: v for k, v in r.items() if k != "seconds"} for r in results), key=lambda r: r["trial"])


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "serial.jsonl"
    return path, run_search(SETTINGS, 4, path, workers=1, log=lambda _: None)


def test_param_range_parses_log_and_linear_ranges():
    assert ParamRange.parse("lr=1e-6:1e-2:log") == ParamRange("lr", 1e-6, 1e-2, True)
    assert ParamRange.parse("dropout=0:0.5") == ParamRange("dropout", 0.0, 0.5, False)
    assert ParamRange.parse(ParamRange("lr", 1 / 3, 0.5, True).spec()) == ParamRange("lr", 1 / 3, 0.5, True)


@pytest.mark.parametrize(("text", "message"), [
    ("lr", "expected NAME=LOW:HIGH"), ("lr=1:2:ln", "expected NAME=LOW:HIGH"), ("lr=a:2", "must be numbers"),
    ("lr=2:1", "LOW must be below HIGH"), ("lr=0:1:log", "must be positive"),
])
def test_param_range_rejects_bad_text(text, message):
    with pytest.raises(ValueError, match=message):
        ParamRange.parse(text)


def test_draws_depend_only_on_seed_and_trial_index():
    assert draw(SETTINGS, 3) == draw(SETTINGS, 3)
    assert draw(SETTINGS, 3) != draw(SETTINGS, 4)
    assert draw(SearchSettings(**{**vars(SETTINGS), "seed": 1}), 3) != draw(SETTINGS, 3)


def test_log_ranges_give_every_decade_the_same_share():
    settings = SearchSettings(params=[ParamRange.parse("lr=1e-6:1e-2:log")])
    values = np.array([draw(settings, i)["lr"] for i in range(2000)])
    assert values.min() >= 1e-6 and values.max() <= 1e-2
    shares = np.histogram(np.log10(values), bins=4, range=(-6, -2))[0] / len(values)
    assert np.all(np.abs(shares - 0.25) < 0.04), shares  # uniform on a linear scale would put 99% in the top decade


def test_serial_and_parallel_searches_agree(serial, tmp_path):
    path, serial_results = serial
    parallel = run_search(SETTINGS, 4, tmp_path / "parallel.jsonl", workers=2, log=lambda _: None)
    assert [r["trial"] for r in comparable(serial_results)] == [0, 1, 2, 3]
    assert comparable(parallel) == comparable(serial_results)
    assert len({r["val_loss"] for r in serial_results}) == 4  # the trials really differ


def test_every_finished_trial_is_a_json_line_after_the_settings(serial):
    path, results = serial
    lines = path.read_text().splitlines()
    assert json.loads(lines[0]) == {"search": SETTINGS.to_dict()}
    assert len(lines) == 5 and all(json.loads(line)["status"] == "ok" for line in lines[1:])
    assert all(0 <= r["val_accuracy"] <= 1 and r["val_accuracy_per_epoch"] == [r["val_accuracy"]] for r in results)


def test_resume_skips_finished_trials_and_drops_a_half_written_line(serial, tmp_path):
    path = tmp_path / "crashed.jsonl"
    run_search(SETTINGS, 2, path, log=lambda _: None)
    with path.open("a") as f:
        f.write('{"trial": 2, "params": {"lr": 0.0')  # the crash came mid-write
    assert [r["trial"] for r in read_results(path)[1]] == [0, 1]
    messages = []
    results = run_search(SETTINGS, 3, path, resume=True, log=messages.append)
    assert messages[0] == f"resuming {path}: 2 trials done, 1 to run"
    assert len(messages) == 2 and "trial   2" in messages[1]
    assert comparable(results) == comparable(serial[1])[:3]
    assert all(json.loads(line) for line in path.read_text().splitlines())


def test_resume_refuses_other_settings_and_a_new_search_refuses_an_existing_file(serial, tmp_path):
    path, _ = serial
    with pytest.raises(ValueError, match="already exists: pass --resume"):
        run_search(SETTINGS, 4, path, log=lambda _: None)
    with pytest.raises(ValueError, match="started with different settings"):
        run_search(SearchSettings(**{**vars(SETTINGS), "epochs": 2}), 4, path, resume=True, log=lambda _: None)


def test_narrowing_gives_the_sub_range_of_the_best_trials(serial):
    _, results = serial
    leaders = best(results, 2)
    assert [r["val_accuracy"] for r in leaders] == sorted((r["val_accuracy"] for r in results), reverse=True)[:2]
    for old, new in zip(SETTINGS.params, narrow(SETTINGS, results, 2)):
        assert (new.name, new.log) == (old.name, old.log)
        assert old.low <= new.low < new.high <= old.high
        assert math.log10(new.high / new.low) < math.log10(old.high / old.low)
        assert all(new.low <= r["params"][new.name] <= new.high for r in leaders)
    assert "the best 2 span: --param lr=" in summary(SETTINGS, results, 2)


def test_a_trial_never_loads_the_test_set(monkeypatch):
    from scratchgrad.train import runs

    loaded = []
    real = runs.load_arrays

    def recording(name, train, *args, **kwargs):
        loaded.append(train)
        return real(name, train, *args, **kwargs)

    monkeypatch.setattr(runs, "load_arrays", recording)
    record = run_trial(SETTINGS.to_dict(), 0)
    assert loaded == [True] and record["status"] == "ok"


def test_check_refuses_settings_every_trial_would_fail_on(tmp_path):
    out = tmp_path / "unused.jsonl"
    with pytest.raises(ValueError, match="needs at least one --param"):
        run_search(SearchSettings(), 1, out)
    with pytest.raises(ValueError, match="val-split must be in"):
        run_search(SearchSettings(**{**vars(SETTINGS), "val_split": 0.0}), 1, out)
    with pytest.raises(ValueError, match="does not take these parameters"):
        run_search(SearchSettings(params=[ParamRange.parse("wingspan=1:2")]), 1, out)
    assert not out.exists()
