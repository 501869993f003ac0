"""The Optimizer contract every rule shares: gradients, groups, checkpoints, dtypes, errors; and that each one
actually minimises the notes' test function f(x, y) = x^2 / 20 + y^2 from (-7, 2)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import scratchgrad as sg
from scratchgrad import optim
from scratchgrad.nn import Parameter

# Every optimizer with the options that give it the most state, so the shared tests reach every array.
CONFIGS = [
    pytest.param(optim.SGD, {"lr": 0.1}, id="SGD"),
    pytest.param(optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, id="SGD-nesterov"),
    pytest.param(optim.Momentum, {"lr": 0.1, "weight_decay": 0.01}, id="Momentum"),
    pytest.param(optim.Nesterov, {"lr": 0.1, "weight_decay": 0.01}, id="Nesterov"),
    pytest.param(optim.AdaGrad, {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01}, id="AdaGrad"),
    pytest.param(optim.RMSProp, {"momentum": 0.5, "centered": True, "weight_decay": 0.01}, id="RMSProp"),
    pytest.param(optim.Adam, {"lr": 0.01, "weight_decay": 0.01, "amsgrad": True}, id="Adam"),
    pytest.param(optim.AdamW, {"lr": 0.01, "amsgrad": True}, id="AdamW"),
    pytest.param(optim.Adadelta, {"lr": 1.0, "weight_decay": 0.01}, id="Adadelta"),
]


def _params(rng, dtype=np.float64):
    return [Parameter(rng.standard_normal(shape).astype(dtype)) for shape in [(3, 2), (4,)]]


def _grads(rng, params, dtype=None):
    return [rng.standard_normal(p.shape).astype(dtype or p.dtype) for p in params]


def _steps(optimizer, params, gradient_lists):
    """One step per list of gradients (copies, so no test depends on whether the optimizer keeps them)."""
    for grads in gradient_lists:
        for param, grad in zip(params, grads):
            param.grad = grad.copy()
        optimizer.step()


# ---- gradients ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS)
def test_zero_grad_sets_every_grad_to_none(cls, kwargs, rng):
    params = _params(rng)
    optimizer = cls(params, **kwargs)
    _steps(optimizer, params, [_grads(rng, params)])
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


def test_zero_grad_without_set_to_none_writes_fresh_zeros(rng):
    params = _params(rng)
    shared = [g.copy() for g in _grads(rng, params)]
    for param, grad in zip(params, shared):
        param.grad = grad
    optim.SGD(params, lr=0.1).zero_grad(set_to_none=False)
    for param, grad in zip(params, shared):
        assert param.grad.shape == param.shape and not param.grad.any()
        assert grad.any(), "zero_grad wrote into an array the gradient may share"


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS)
def test_parameters_without_grad_are_skipped(cls, kwargs, rng):
    with_grad, without_grad = _params(rng)
    before = without_grad.data.copy()
    optimizer = cls([with_grad, without_grad], **kwargs)
    with_grad.grad = rng.standard_normal(with_grad.shape)
    optimizer.step()
    np.testing.assert_array_equal(without_grad.data, before)
    assert without_grad not in optimizer.state and with_grad in optimizer.state


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS)
def test_step_updates_data_in_place_and_never_writes_into_grad(cls, kwargs, rng):
    params = _params(rng)
    optimizer = cls(params, **kwargs)
    arrays = [p.data for p in params]
    starts = [p.data.copy() for p in params]
    for _ in range(3):  # the buffers exist from the second step on; they must not alias the gradient either
        grads = _grads(rng, params)
        for param, grad in zip(params, grads):
            param.grad = grad
        kept = [g.copy() for g in grads]
        optimizer.step()
        for param, grad, copy in zip(params, grads, kept):
            assert param.grad.data is grad
            np.testing.assert_array_equal(grad, copy)
    for param, array, start in zip(params, arrays, starts):
        assert param.data is array
        assert not np.allclose(param.data, start)


def test_step_runs_the_closure_and_returns_its_loss(rng):
    (param, _) = _params(rng)
    optimizer = optim.SGD([param], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        return loss

    start = param.data.copy()
    loss = optimizer.step(closure)
    assert loss.item() == pytest.approx(float((start**2).sum()))
    np.testing.assert_allclose(param.data, start - 0.1 * 2 * start)


# ---- parameter groups --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS)
def test_param_groups_with_their_own_lr_step_like_separate_optimizers(cls, kwargs, rng):
    lr = kwargs.get("lr", 0.01)
    grouped, alone_a, alone_b = (_params(np.random.default_rng(1)) for _ in range(3))
    # The second group sets no lr: it must get the default (the lr given to the constructor).
    optimizer = cls([{"params": [grouped[0]], "lr": lr / 10}, {"params": [grouped[1]]}], **kwargs)
    separate_a = cls([alone_a[0]], **{**kwargs, "lr": lr / 10})
    separate_b = cls([alone_b[1]], **kwargs)
    gradient_lists = [_grads(rng, grouped) for _ in range(4)]
    _steps(optimizer, grouped, gradient_lists)
    _steps(separate_a, alone_a[:1], [g[:1] for g in gradient_lists])
    _steps(separate_b, alone_b[1:], [g[1:] for g in gradient_lists])
    assert [g["lr"] for g in optimizer.param_groups] == [lr / 10, lr]
    np.testing.assert_array_equal(grouped[0].data, alone_a[0].data)
    np.testing.assert_array_equal(grouped[1].data, alone_b[1].data)


def test_lr_set_in_a_group_is_used_at_the_next_step(rng):
    (param, _) = _params(rng)
    optimizer = optim.SGD([param], lr=0.1)
    optimizer.param_groups[0]["lr"] = 0.5
    grad = rng.standard_normal(param.shape)
    start = param.data.copy()
    param.grad = grad
    optimizer.step()
    np.testing.assert_allclose(param.data, start - 0.5 * grad)


def test_add_param_group_trains_a_new_layer_with_its_own_lr_and_the_defaults_for_the_rest(rng):
    old, new = _params(rng)
    optimizer = optim.SGD([old], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": new, "lr": 0.5})  # a bare Parameter is accepted as a group of one
    group = optimizer.param_groups[1]
    assert [id(q) for q in group["params"]] == [id(new)] and (group["lr"], group["momentum"]) == (0.5, 0.9)
    start_old, start_new = old.data.copy(), new.data.copy()
    old.grad, new.grad = np.ones(old.shape), np.full(new.shape, 2.0)
    optimizer.step()  # first step of momentum: the velocity is the gradient itself
    np.testing.assert_allclose(old.data, start_old - 0.1 * 1.0)
    np.testing.assert_allclose(new.data, start_new - 0.5 * 2.0)
    with pytest.raises(ValueError, match="more than one place"):
        optimizer.add_param_group({"params": [old]})
    with pytest.raises(TypeError, match="must be a dict; received list"):
        optimizer.add_param_group([new])


# ---- checkpoints -------------------------------------------------------------------------------------------
def _through_json(state_dict):
    """What a JSON checkpoint gives back: arrays as lists, integer keys as strings, tuples as lists."""

    def default(value):
        return value.tolist()

    return json.loads(json.dumps(state_dict, default=default))


@pytest.mark.parametrize("via_json", [False, True], ids=["arrays", "json"])
@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS)
def test_restored_optimizer_continues_bit_for_bit(cls, kwargs, via_json, rng):
    params = _params(rng, np.float32)
    gradient_lists = [_grads(rng, params) for _ in range(7)]
    optimizer = cls(params, **kwargs)
    _steps(optimizer, params, gradient_lists[:3])
    optimizer.param_groups[0]["lr"] *= 0.5  # as a scheduler would: the checkpoint must carry it
    saved = optimizer.state_dict()
    if via_json:
        saved = _through_json(saved)

    restored_params = [Parameter(p.data.copy()) for p in params]
    restored = cls(restored_params, **kwargs)
    restored.load_state_dict(saved)
    _steps(optimizer, params, gradient_lists[3:])
    _steps(restored, restored_params, gradient_lists[3:])
    for param, twin in zip(params, restored_params):
        assert twin.dtype == param.dtype
        np.testing.assert_array_equal(twin.data, param.data)
    assert restored.param_groups[0]["lr"] == optimizer.param_groups[0]["lr"]


def _plain_types(value):
    """The set of types a checkpoint would have to write."""
    if isinstance(value, dict):
        return {dict}.union(*(_plain_types(k) | _plain_types(v) for k, v in value.items()))
    if isinstance(value, list):
        return {list}.union(*(_plain_types(v) for v in value))
    return {type(value)}


@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS)
def test_state_dict_is_plain_data_and_a_snapshot(cls, kwargs, rng):
    params = _params(rng)
    optimizer = cls(params, **kwargs)
    _steps(optimizer, params, [_grads(rng, params) for _ in range(2)])
    saved = optimizer.state_dict()
    assert _plain_types(saved) <= {dict, list, int, float, bool, str, np.ndarray}
    assert sorted(saved["state"]) == [0, 1]
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1]]
    frozen = json.dumps(saved, default=lambda a: a.tolist())
    _steps(optimizer, params, [_grads(rng, params)])
    assert json.dumps(saved, default=lambda a: a.tolist()) == frozen


def test_state_dict_has_torch_layout_and_names(rng):
    params = _params(rng)
    optimizer = optim.Adam([{"params": params[:1]}, {"params": params[1:], "lr": 0.1}], amsgrad=True)
    _steps(optimizer, params, [_grads(rng, params)])
    saved = optimizer.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    assert saved["param_groups"][1]["lr"] == 0.1 and saved["param_groups"][0]["betas"] == [0.9, 0.999]
    assert set(saved["state"][1]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert saved["state"][1]["step"] == 1


def test_load_state_dict_rejects_a_different_model(rng):
    params = _params(rng)
    optimizer = optim.Adam(params)
    _steps(optimizer, params, [_grads(rng, params)])
    saved = optimizer.state_dict()
    with pytest.raises(ValueError, match=r"sizes \[2\].*sizes \[1\]"):
        optim.Adam(params[:1]).load_state_dict(saved)
    other = [Parameter(np.zeros((2, 3))), Parameter(np.zeros(4))]
    fresh = optim.Adam(other)
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*shape \(2, 3\)"):
        fresh.load_state_dict(saved)
    assert fresh.state == {}, "a failed load must change nothing"


# ---- dtypes ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("cls", "kwargs"), CONFIGS)
def test_parameter_and_state_keep_their_dtype(cls, kwargs, dtype, rng):
    params = _params(rng, dtype)
    optimizer = cls(params, **kwargs)
    # A loss computed in double: backward hands each weight its gradient in the weight's dtype, and no step
    # may turn a float32 weight or its state into float64.
    for _ in range(3):
        optimizer.zero_grad()
        sum((p * sg.tensor(g)).sum() for p, g in zip(params, _grads(rng, params, np.float64))).backward()
        assert all(p.grad.dtype == dtype for p in params)
        optimizer.step()
    for param in params:
        assert param.dtype == dtype
        for name, value in optimizer.state[param].items():
            if hasattr(value, "dtype"):
                assert value.dtype == dtype, name


# ---- errors ------------------------------------------------------------------------------------------------
BAD = [
    (optim.SGD, {"lr": -0.1}, "lr", -0.1),
    (optim.SGD, {"lr": math.nan}, "lr", math.nan),
    (optim.SGD, {"lr": 0.1, "momentum": -0.5}, "momentum", -0.5),
    (optim.SGD, {"lr": 0.1, "weight_decay": -1e-4}, "weight_decay", -1e-4),
    (optim.SGD, {"lr": 0.1, "dampening": 1.5}, "dampening", 1.5),
    (optim.SGD, {"lr": 0.1, "nesterov": True}, "nesterov", 0.0),
    (optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}, "nesterov", 0.1),
    (optim.Momentum, {"momentum": -0.9}, "momentum", -0.9),
    (optim.Nesterov, {"lr": -1.0}, "lr", -1.0),
    (optim.AdaGrad, {"lr_decay": -0.1}, "lr_decay", -0.1),
    (optim.AdaGrad, {"initial_accumulator_value": -1.0}, "initial_accumulator_value", -1.0),
    (optim.AdaGrad, {"eps": -1e-10}, "eps", -1e-10),
    (optim.RMSProp, {"alpha": 1.5}, "alpha", 1.5),
    (optim.RMSProp, {"momentum": -0.1}, "momentum", -0.1),
    (optim.Adam, {"betas": (1.0, 0.999)}, "betas[0]", 1.0),
    (optim.Adam, {"betas": (0.9, -0.1)}, "betas[1]", -0.1),
    (optim.Adam, {"eps": -1e-8}, "eps", -1e-8),
    (optim.AdamW, {"weight_decay": -0.01}, "weight_decay", -0.01),
    (optim.Adadelta, {"rho": 1.5}, "rho", 1.5),
    (optim.Adadelta, {"eps": -1e-6}, "eps", -1e-6),
]


@pytest.mark.parametrize(("cls", "kwargs", "name", "value"), BAD, ids=[f"{c.__name__}-{n}" for c, _, n, _ in BAD])
def test_bad_hyperparameters_raise_naming_argument_range_and_value(cls, kwargs, name, value, rng):
    with pytest.raises(ValueError) as error:
        cls(_params(rng), **kwargs)
    message = str(error.value)
    assert cls.__name__ in message and name in message and "must be" in message
    assert repr(value) in message


def test_a_bad_lr_in_a_group_is_caught_too(rng):
    with pytest.raises(ValueError, match=r"lr must be a number >= 0; received -1"):
        optim.Adam([{"params": _params(rng), "lr": -1}])


def test_bad_parameter_lists_raise(rng):
    param = _params(rng)[0]
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match=r"\[param\]"):
        optim.SGD(param, lr=0.1)
    with pytest.raises(TypeError, match="ndarray"):
        optim.SGD([param.data], lr=0.1)
    with pytest.raises(ValueError, match="more than one place"):
        optim.SGD([{"params": [param]}, {"params": [param]}], lr=0.1)
    with pytest.raises(TypeError, match="lr must be a real number"):
        optim.SGD([param], lr="0.1")


# ---- the notes' test function ------------------------------------------------------------------------------
# The learning rates the notes compare the optimizers with (SGD 0.95, Momentum 0.1, AdaGrad 1.5, Adam 0.3).
MINIMISERS = [
    pytest.param(optim.SGD, {"lr": 0.95}, id="SGD"),
    pytest.param(optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}, id="SGD-nesterov"),
    pytest.param(optim.Momentum, {"lr": 0.1}, id="Momentum"),
    pytest.param(optim.Nesterov, {"lr": 0.1}, id="Nesterov"),
    pytest.param(optim.AdaGrad, {"lr": 1.5}, id="AdaGrad"),
    pytest.param(optim.RMSProp, {"lr": 0.1}, id="RMSProp"),
    pytest.param(optim.RMSProp, {"lr": 0.1, "momentum": 0.5, "centered": True}, id="RMSProp-centered"),
    pytest.param(optim.Adam, {"lr": 0.3}, id="Adam"),
    pytest.param(optim.Adam, {"lr": 0.3, "amsgrad": True}, id="Adam-amsgrad"),
    pytest.param(optim.AdamW, {"lr": 0.3}, id="AdamW"),
]


@pytest.mark.parametrize(("cls", "kwargs"), MINIMISERS)
def test_minimises_the_notes_function_from_minus_7_2(cls, kwargs):
    start = np.array([-7.0, 2.0])
    xy = Parameter(start.copy())
    weights = np.array([1 / 20, 1.0])  # f(x, y) = x^2 / 20 + y^2 = sum(weights * xy^2)
    optimizer = cls([xy], **kwargs)
    losses = []
    for _ in range(100):
        optimizer.zero_grad()
        loss = (xy * xy * weights).sum()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    # Within 1% of the starting distance from the minimum (0, 0), and far below the starting loss.
    assert np.linalg.norm(xy.data) < 0.01 * np.linalg.norm(start)
    assert losses[-1] < 1e-3 * losses[0]


# ---- names -------------------------------------------------------------------------------------------------
def test_every_name_is_exported_and_aliases_are_the_same_class():
    for name in ["SGD", "Momentum", "Nesterov", "AdaGrad", "Adagrad", "RMSProp", "RMSprop", "Adam", "AdamW",
                 "Adadelta", "Optimizer", "lr_scheduler", "StepLR", "CosineAnnealingLR", "get"]:
        assert hasattr(sg.optim, name), name
    assert optim.AdaGrad is optim.Adagrad and optim.RMSProp is optim.RMSprop


@pytest.mark.parametrize(
    ("name", "cls"),
    [("sgd", optim.SGD), ("Momentum", optim.Momentum), ("NESTEROV", optim.Nesterov), ("adagrad", optim.AdaGrad),
     ("RMSprop", optim.RMSProp), ("Adam", optim.Adam), ("adamw", optim.AdamW), ("Adadelta", optim.Adadelta)],
)
def test_get_builds_the_optimizer_by_name_in_any_case(name, cls, rng):
    optimizer = optim.get(name, _params(rng), lr=0.05)
    assert type(optimizer) is cls and optimizer.param_groups[0]["lr"] == 0.05


def test_get_rejects_unknown_names_listing_the_valid_ones(rng):
    with pytest.raises(ValueError, match="'adamax'.*sgd, momentum, nesterov, adagrad, adadelta, rmsprop, adam, adamw"):
        optim.get("adamax", _params(rng))


SPLIT_CONFIGS = CONFIGS + [
    pytest.param(optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1}, id="SGD-momentum"),
    pytest.param(optim.RMSProp, {"lr": 0.01}, id="RMSProp-plain"),
    pytest.param(optim.Adam, {"lr": 0.01}, id="Adam-plain"),
]


@pytest.mark.parametrize(("cls", "kwargs"), SPLIT_CONFIGS)
def test_big_parameters_update_the_same_on_any_number_of_threads(monkeypatch, cls, kwargs):
    from scratchgrad import parallel

    split_lengths = []
    original = parallel.split_work

    def recording(work, length, like):
        split_lengths.append(length)
        original(work, length, like)

    monkeypatch.setattr(parallel, "split_work", recording)
    rng = np.random.default_rng(0)
    start = rng.standard_normal((300, 300)).astype(np.float32)  # 90,000 weights: big enough to be split
    # Transposed gradients are not contiguous: the update must still read them right.
    grads = [rng.standard_normal((300, 300)).astype(np.float32).T for _ in range(3)]
    results = []
    for threads in ("1", "3"):
        monkeypatch.setenv("SCRATCHGRAD_NUM_THREADS", threads)
        param = Parameter(start.copy())
        optimizer = cls([param], **kwargs)
        _steps(optimizer, [param], [[g] for g in grads])
        results.append(param.data)
    assert split_lengths and set(split_lengths) == {90_000}
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], start)
