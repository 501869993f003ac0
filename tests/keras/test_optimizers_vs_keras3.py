"""Keras's optimizers and schedules against Keras 3 over 20 steps: the same weights and the same gradient function
on both sides, the weights compared after every step."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad.keras import optimizers
from scratchgrad.nn import Parameter

CASES = {
    "SGD": lambda O: O.SGD(learning_rate=0.1),
    "SGD momentum": lambda O: O.SGD(learning_rate=0.05, momentum=0.9),
    "SGD nesterov": lambda O: O.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    "SGD weight_decay": lambda O: O.SGD(learning_rate=0.1, weight_decay=0.05),
    "Adam": lambda O: O.Adam(learning_rate=0.05),
    "Adam amsgrad clipnorm": lambda O: O.Adam(learning_rate=0.05, amsgrad=True, clipnorm=0.5),
    "AdamW": lambda O: O.AdamW(learning_rate=0.05, weight_decay=0.1),
    "Nadam": lambda O: O.Nadam(learning_rate=0.05),
    "RMSprop": lambda O: O.RMSprop(learning_rate=0.01),
    "RMSprop centered momentum clipvalue": lambda O: O.RMSprop(0.01, momentum=0.5, centered=True, clipvalue=0.3),
    "Adagrad global_clipnorm": lambda O: O.Adagrad(learning_rate=0.1, global_clipnorm=1.0),
    "Adadelta": lambda O: O.Adadelta(learning_rate=1.0),
    "Adamax": lambda O: O.Adamax(learning_rate=0.05),
    "ExponentialDecay": lambda O: O.SGD(O.schedules.ExponentialDecay(0.2, decay_steps=3, decay_rate=0.7)),
    "ExponentialDecay staircase": lambda O: O.Adam(O.schedules.ExponentialDecay(0.05, 4, 0.5, staircase=True)),
    "PiecewiseConstantDecay": lambda O: O.SGD(O.schedules.PiecewiseConstantDecay([5, 12], [0.2, 0.05, 0.01]),
                                              momentum=0.5),
    "CosineDecay": lambda O: O.SGD(O.schedules.CosineDecay(0.2, decay_steps=15, alpha=0.1)),
    "CosineDecay warmup": lambda O: O.SGD(O.schedules.CosineDecay(0.0, 10, warmup_target=0.2, warmup_steps=5)),
    "InverseTimeDecay": lambda O: O.RMSprop(O.schedules.InverseTimeDecay(0.02, 2, 0.5)),
}


def gradient(w: np.ndarray, step: int) -> np.ndarray:
    """A quadratic bowl's gradient plus a fixed per-step wobble, in float32."""
    wobble = np.sin(np.arange(w.size, dtype=np.float32).reshape(w.shape) * (step + 1)) * 0.3
    return (2 * (w - 1.5) + wobble).astype(np.float32)


@pytest.mark.parametrize("name", sorted(CASES))
def test_optimizer_matches_keras3_over_20_steps(keras3, torch, name):
    w0 = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)
    theirs_opt, ours_opt = CASES[name](keras3.optimizers), CASES[name](optimizers)
    variable = keras3.Variable(w0.copy())
    param = Parameter(w0.copy())
    rule = ours_opt.build([param])
    for step in range(20):
        theirs_opt.apply_gradients([(torch.tensor(gradient(np.asarray(variable.numpy()), step)), variable)])
        param.grad = gradient(np.asarray(param.data), step)
        rule.step()
        np.testing.assert_allclose(np.asarray(param.data), variable.numpy(), rtol=2e-5, atol=2e-6,
                                   err_msg=f"step {step + 1}")
    assert ours_opt.iterations == int(theirs_opt.iterations.numpy()) == 20
    np.testing.assert_allclose(ours_opt.learning_rate, float(np.asarray(theirs_opt.learning_rate)), rtol=1e-6)


SCHEDULED = ["ExponentialDecay", "CosineDecay warmup", "PiecewiseConstantDecay", "InverseTimeDecay"]


@pytest.mark.parametrize("name", SCHEDULED)
def test_schedules_give_keras3s_values(keras3, name):
    theirs, ours = CASES[name](keras3.optimizers)._learning_rate, CASES[name](optimizers).schedule
    for step in range(25):
        np.testing.assert_allclose(ours(step), float(np.asarray(theirs(step))), rtol=1e-6, atol=1e-9)


def test_one_clip_at_a_time_and_a_scheduled_rate_cannot_be_set():
    with pytest.raises(ValueError, match="only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        optimizers.SGD(clipnorm=1.0, clipvalue=1.0)
    scheduled = optimizers.SGD(optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="follows a schedule"):
        scheduled.learning_rate = 0.3


@pytest.mark.parametrize("make", [lambda O: O.Adam(0.01, clipnorm=0.5), lambda O: O.Nadam(0.01),
                                  lambda O: O.RMSprop(0.005, momentum=0.5), lambda O: O.AdamW(0.01)])
def test_fit_with_keras_rules_gives_keras3s_history(keras3, make):
    from scratchgrad import keras

    rng = np.random.default_rng(7)
    x = rng.standard_normal((48, 5)).astype("float32")
    y = (x[:, 0] - x[:, 3] > 0).astype("int64")
    models = []
    for K in (keras3, keras):
        model = K.Sequential([K.Input((5,)), K.layers.Dense(8, activation="tanh"),
                              K.layers.Dense(2, activation="softmax")])
        model.compile(optimizer=make(K.optimizers), loss="sparse_categorical_crossentropy")
        models.append(model)
    models[1].set_weights([0.4 * rng.standard_normal(w.shape).astype("float32") for w in models[1].get_weights()])
    models[0].set_weights(models[1].get_weights())
    expected, got = (m.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history["loss"] for m in models)
    np.testing.assert_allclose(got, expected, rtol=2e-5)
