"""keras.Sequential: summary, compile / fit / evaluate / predict through the Trainer, weights, equivalence with
the core nn modules and with PyTorch."""

import re

import numpy as np
import pytest
from keras_helpers import mnist_convnet

import scratchgrad as sg
import scratchgrad.nn as nn
from scratchgrad import keras
from scratchgrad.keras import layers
from scratchgrad.keras.base import to_internal, to_user

KERAS_MNIST_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ conv2d (Conv2D)                 │ (None, 26, 26, 32)     │           320 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d (MaxPooling2D)    │ (None, 13, 13, 32)     │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv2d_1 (Conv2D)               │ (None, 11, 11, 64)     │        18,496 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d_1 (MaxPooling2D)  │ (None, 5, 5, 64)       │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ flatten (Flatten)               │ (None, 1600)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout (Dropout)               │ (None, 1600)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 10)             │        16,010 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 34,826 (136.04 KB)
 Trainable params: 34,826 (136.04 KB)
 Non-trainable params: 0 (0.00 B)
"""


def small_classifier(classes: int = 3, activation: str = "softmax") -> keras.Sequential:
    return keras.Sequential([layers.Dense(16, activation="relu", input_shape=(4,)), layers.Dense(classes, activation)])


def blobs(rng, n: int = 96, classes: int = 3):
    """Three well separated clusters in 4-D: any working classifier gets them all right."""
    labels = rng.integers(0, classes, n)
    centres = 3.0 * np.eye(classes, 4)
    return (centres[labels] + 0.3 * rng.standard_normal((n, 4))).astype(np.float32), labels


def test_summary_of_the_keras_mnist_convnet_is_keras_text(monkeypatch):
    """Keras 3's text on an 80-column console, where its default line length is 80 - 4."""
    monkeypatch.setenv("COLUMNS", "80")
    lines = []
    mnist_convnet().summary(print_fn=lines.append)
    assert lines == [KERAS_MNIST_SUMMARY]


def test_summary_counts_batch_norm_statistics_as_non_trainable(capsys):
    model = keras.Sequential([keras.Input(shape=(8, 8, 3)), layers.Conv2D(4, 3), layers.BatchNormalization()])
    model.summary()
    out = capsys.readouterr().out
    assert " Trainable params: 128 " not in out
    totals = " Total params: 128 (512.00 B)\n Trainable params: 120 (480.00 B)\n Non-trainable params: 8 (32.00 B)\n"
    assert totals in out


def test_a_core_optimizer_trains_the_model_through_parameters_and_state_dict(rng):
    model = small_classifier()
    x, labels = blobs(rng)
    optimizer = sg.optim.SGD(model.parameters(), lr=0.5)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, epochs=5, verbose=0)
    assert model.evaluate(x, labels, verbose=0)[1] == 1.0
    assert list(model.state_dict()) == ["dense.weight", "dense.bias", "dense_1.weight", "dense_1.bias"]


# Keras's AdaGrad default (learning rate 1e-3) is too slow for 120 steps; its defaults are checked below.
@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", keras.optimizers.Adagrad(learning_rate=0.1),
                                       keras.optimizers.SGD(0.1, momentum=0.9)])
@pytest.mark.parametrize(("loss", "one_hot"), [("categorical_crossentropy", True),
                                               ("sparse_categorical_crossentropy", False)])
def test_fit_learns_separable_classes(rng, optimizer, loss, one_hot):
    x, labels = blobs(rng)
    y = keras.utils.to_categorical(labels, 3) if one_hot else labels
    model = small_classifier()
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    start = model.evaluate(x, y, verbose=0)[0]
    history = model.fit(x, y, batch_size=8, epochs=20, verbose=0)  # Adam's default 1e-3 needs ~15 epochs here
    assert history.history["loss"][-1] < start
    assert model.evaluate(x, y, verbose=0)[1] == 1.0


def test_keras_optimizers_carry_keras_defaults():
    params = list(small_classifier().parameters())
    adam = keras.optimizers.get("Adam")
    assert adam.build(params).param_groups[0]["lr"] == 1e-3 and adam.hyper["epsilon"] == 1e-7
    rmsprop = keras.optimizers.RMSprop().get_config()
    assert (rmsprop["learning_rate"], rmsprop["rho"], rmsprop["epsilon"]) == (1e-3, 0.9, 1e-7)
    assert keras.optimizers.get("sgd").build(params).param_groups[0]["lr"] == 0.01
    adagrad = keras.optimizers.Adagrad().get_config()
    assert (adagrad["learning_rate"], adagrad["initial_accumulator_value"], adagrad["epsilon"]) == (1e-3, 0.1, 1e-7)
    assert keras.optimizers.get("adamw").get_config()["weight_decay"] == 0.004
    spec = keras.optimizers.Adam(lr=0.01)  # Keras 2's older spelling
    spec.build(params)
    spec.learning_rate = 0.5
    assert spec.optimizer.param_groups[0]["lr"] == 0.5 and spec.lr == 0.5


def test_history_holds_keras_keys_and_validation_split_takes_the_last_samples(rng):
    x, labels = blobs(rng, n=40)
    model = small_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, labels, batch_size=8, epochs=3, validation_split=0.25, verbose=0)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(v) == 3 for v in history.history.values()) and history.epoch == [0, 1, 2]
    # The last epoch's validation ran on the weights the model has now: it must be the last 10 samples.
    val_loss, val_accuracy = model.evaluate(x[30:], labels[30:], verbose=0)
    assert history.history["val_loss"][-1] == pytest.approx(val_loss, rel=1e-6)
    assert history.history["val_accuracy"][-1] == val_accuracy
    assert model.evaluate(x[:10], labels[:10], verbose=0)[0] != pytest.approx(val_loss, rel=1e-6)


def test_validation_data_and_the_acc_spelling(rng):
    x, labels = blobs(rng, n=32)
    model = small_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, labels, epochs=1, validation_data=(x[:8], labels[:8]), verbose=0)
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}
    assert set(model.evaluate(x, labels, verbose=0, return_dict=True)) == {"loss", "acc"}


def test_verbose_lines_look_like_keras(rng, capsys):
    x, labels = blobs(rng, n=40)
    model = small_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, batch_size=10, epochs=2, validation_split=0.25, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2" and lines[2] == "Epoch 2/2" and len(lines) == 4
    number = r"\d+\.\d{4}"
    pattern = rf"3/3 - \d+s - loss: {number} - accuracy: {number} - val_loss: {number} - val_accuracy: {number}"
    assert re.fullmatch(pattern, lines[1]), lines[1]
    model.fit(x, labels, epochs=1, verbose=0)
    model.evaluate(x, labels, verbose=0)
    assert capsys.readouterr().out == ""


def test_without_metrics_evaluate_returns_the_loss_alone(rng):
    x, labels = blobs(rng, n=16)
    model = small_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, labels, epochs=1, verbose=0)
    assert set(history.history) == {"loss"}
    assert isinstance(model.evaluate(x, labels, verbose=0), float)


def test_predict_returns_probabilities_and_model_call_is_inference(rng):
    model = keras.Sequential([layers.Dense(8, input_shape=(4,)), layers.Dropout(0.9), layers.Dense(3, "softmax")])
    x = rng.standard_normal((50, 4))
    p = model.predict(x, batch_size=7)
    assert p.shape == (50, 3)
    np.testing.assert_allclose(p.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(model(x).data, p, rtol=1e-6)  # no dropout outside training
    assert not np.allclose(model(x, training=True).data, p)


def test_evaluate_loss_is_the_keras_formula(rng):
    model = small_classifier()
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x, labels = blobs(rng, n=20)
    y = keras.utils.to_categorical(labels, 3)
    p = model.predict(x)
    loss, accuracy = model.evaluate(x, y, batch_size=6, verbose=0)
    assert loss == pytest.approx(-np.mean(np.sum(y * np.log(p), axis=1)), rel=1e-5)
    assert accuracy == np.mean(p.argmax(1) == labels)


def test_binary_crossentropy_with_sigmoid_reports_keras_binary_accuracy(rng):
    model = keras.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.set_weights([np.array([[2.0], [-1.0]]), np.array([0.1])])
    x = rng.standard_normal((30, 2)).astype(np.float32)
    y = (rng.random(30) < 0.5).astype(np.float32)
    p = model.predict(x)[:, 0]
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-5)
    assert accuracy == np.mean((p > 0.5) == y) and 0 < accuracy < 1
    # One batch per epoch: its training accuracy is that of the weights before the epoch's single step.
    for _ in range(2):
        before = np.mean((model.predict(x)[:, 0] > 0.5) == y)
        history = model.fit(x, y, batch_size=30, epochs=1, verbose=0)
        assert history.history["accuracy"] == [before]


def test_mse_regression(rng):
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5], dtype=np.float32) + 0.3
    model = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=16, epochs=30, verbose=0)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(kernel[:, 0], [1.0, -2.0, 0.5], atol=1e-2)
    assert model.evaluate(x, y, verbose=0) < 1e-4


def test_softmax_cross_entropy_is_stable_at_huge_scores(rng):
    # Dense weights that put a score of 1000 on the wrong class: softmax rounds the right class to 0.
    model = keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(3,))])
    model.set_weights([1000 * np.eye(3)[[1, 2, 0]], np.zeros(3)])
    model.compile(optimizer=keras.optimizers.SGD(1e-4), loss="categorical_crossentropy", metrics=["accuracy"])
    x, y = np.eye(3, dtype=np.float32), np.eye(3, dtype=np.float32)
    assert (model.predict(x)[y == 1] == 0).all()
    loss = model.evaluate(x, y, verbose=0)[0]
    assert loss == pytest.approx(1000, rel=1e-5)  # the exact value, not a clipped -log(1e-7) = 16.1
    model.fit(x, y, epochs=1, verbose=0)
    assert all(np.isfinite(w).all() for w in model.get_weights())
    assert model.evaluate(x, y, verbose=0)[0] < loss  # the gradient pointed the right way


def test_without_the_matching_activation_probabilities_are_clipped_as_keras_does():
    # A ReLU output treated as probabilities: rows are normalised and clipped, so a zero gives -log(1e-7).
    model = keras.Sequential([layers.Dense(2, activation="relu", input_shape=(2,))])
    model.set_weights([np.eye(2), np.zeros(2)])
    model.compile(loss="categorical_crossentropy")
    loss = model.evaluate(np.eye(2), np.eye(2)[[1, 0]], verbose=0)
    assert loss == pytest.approx(-np.log(1e-7), rel=1e-4)


def test_from_logits_losses_match_their_probability_forms(rng):
    scores = rng.standard_normal((5, 3)).astype(np.float32)
    labels = rng.integers(0, 3, 5)
    p = np.exp(scores) / np.exp(scores).sum(1, keepdims=True)
    logits_loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, scores)
    assert float(logits_loss.data) == pytest.approx(-np.mean(np.log(p[np.arange(5), labels])), rel=1e-5)
    prob_loss = keras.losses.get("sparse_categorical_crossentropy")(labels, p)
    assert float(prob_loss.data) == pytest.approx(float(logits_loss.data), rel=1e-5)


def test_same_weights_same_predictions_as_the_core_nn_modules(rng):
    model = keras.Sequential([keras.Input(shape=(9, 9, 2)), layers.Conv2D(4, 3, activation="relu"),
                              layers.BatchNormalization(), layers.MaxPooling2D(2), layers.Flatten(),
                              layers.Dense(5, activation="softmax")])
    weights = [w + 0.1 * rng.standard_normal(w.shape).astype(np.float32) for w in model.get_weights()]
    weights[5] = np.abs(weights[5]) + 0.5  # moving variance
    model.set_weights(weights)
    kernel, bias, gamma, beta, mean, var, dense_kernel, dense_bias = weights
    core = nn.Sequential(nn.Conv2d(2, 4, 3), nn.ReLU(), nn.BatchNorm2d(4, eps=1e-3), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(3 * 3 * 4, 5), nn.Softmax())
    # The core flattens (C, H, W); Keras flattens (H, W, C): reorder the rows of the Dense kernel to match.
    linear = dense_kernel.reshape(3, 3, 4, 5).transpose(3, 2, 0, 1).reshape(5, 36)
    core.load_state_dict({"0.weight": kernel.transpose(3, 2, 0, 1), "0.bias": bias, "2.weight": gamma,
                          "2.bias": beta, "2.running_mean": mean, "2.running_var": var,
                          "2.num_batches_tracked": np.array(0), "5.weight": linear, "5.bias": dense_bias})
    x = rng.random((6, 9, 9, 2)).astype(np.float32)
    with sg.no_grad():
        expected = core.eval()(sg.Tensor(x.transpose(0, 3, 1, 2))).data
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-5, atol=1e-7)


def test_same_weights_same_outputs_as_torch_for_conv_flatten_dense(torch, rng):
    model = keras.Sequential([keras.Input(shape=(7, 6, 3)), layers.Conv2D(5, (3, 2), strides=2, activation="relu"),
                              layers.Flatten(), layers.Dense(4)])
    kernel, bias, dense_kernel, dense_bias = model.get_weights()
    conv = torch.nn.Conv2d(3, 5, (3, 2), stride=2)
    linear = torch.nn.Linear(3 * 3 * 5, 4)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(kernel).permute(3, 2, 0, 1))
        conv.bias.copy_(torch.tensor(bias))
        linear.weight.copy_(torch.tensor(dense_kernel).T)
        linear.bias.copy_(torch.tensor(dense_bias))
    x = rng.random((4, 7, 6, 3)).astype(np.float32)
    # Keras's Flatten in torch: back to channels-last before flattening.
    hidden = torch.relu(conv(torch.tensor(x).permute(0, 3, 1, 2))).permute(0, 2, 3, 1).flatten(1)
    np.testing.assert_allclose(model.predict(x), linear(hidden).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_save_and_load_weights_round_trip(rng, tmp_path):
    first, second = mnist_convnet(), mnist_convnet()
    path = tmp_path / "weights.safetensors"
    first.save_weights(str(path))
    x = rng.random((3, 28, 28, 1))
    assert not np.allclose(first.predict(x), second.predict(x))
    second.load_weights(str(path))
    np.testing.assert_array_equal(first.predict(x), second.predict(x))
    assert not list(tmp_path.glob("*.tmp"))


def test_keras_callbacks_see_keras_epochs_and_logs_and_can_stop_training(rng):
    seen = []

    class Recorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, sorted(logs)))
            if epoch == 1:
                self.model.stop_training = True

    x, labels = blobs(rng, n=16)
    model = small_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, labels, epochs=10, callbacks=[Recorder()], verbose=0)
    assert seen == [(0, ["accuracy", "loss"]), (1, ["accuracy", "loss"])]
    assert len(history.history["loss"]) == 2


class _StubModel:
    def __init__(self):
        self.weights = [np.zeros(1)]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = weights


def _run_early_stopping(callback, values, monitor="val_loss"):
    class Trainer:
        stop_training = False

    model, trainer = _StubModel(), Trainer()
    callback.set_model(model)
    callback.on_train_begin(trainer)
    for epoch, value in enumerate(values, start=1):
        model.weights = [np.array([float(epoch)])]
        callback.on_epoch_end(trainer, epoch, {monitor: value})
        if trainer.stop_training:
            break
    callback.on_train_end(trainer)
    return epoch, model.weights[0][0]


def test_early_stopping_patience_and_restore_best_weights(capsys):
    stopped, restored = _run_early_stopping(
        keras.callbacks.EarlyStopping(patience=2, restore_best_weights=True, verbose=1), [3.0, 1.0, 2.0, 1.5, 0.5]
    )
    assert (stopped, restored) == (4, 2.0)  # best at epoch 2, two epochs without improvement, weights of epoch 2
    assert "Epoch 4: early stopping" in capsys.readouterr().out
    assert _run_early_stopping(keras.callbacks.EarlyStopping(), [3.0, 4.0]) == (2, 2.0)  # patience 0, no restore
    accuracy = keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    assert _run_early_stopping(accuracy, [0.5, 0.6, 0.55, 0.7], "val_accuracy")[0] == 3  # "auto" means max here
    baseline = keras.callbacks.EarlyStopping(patience=2, baseline=1.0)
    assert _run_early_stopping(baseline, [3.0, 2.0, 1.5, 0.5])[0] == 2  # never beat the baseline in time


def test_early_stopping_inside_fit(rng):
    x, labels = blobs(rng, n=16)
    model = small_classifier()
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="loss", patience=1)
    history = model.fit(x, labels, epochs=10, callbacks=[stop], shuffle=False, verbose=0)
    assert len(history.history["loss"]) == 2  # a learning rate of 0 never improves the loss


# ---- errors ----------------------------------------------------------------------------------------------
def test_unknown_loss_optimizer_and_metric_names_list_the_valid_ones():
    model = small_classifier()
    with pytest.raises(ValueError, match=r"Unknown loss function: 'categorical_cross_entropy' \(argument `loss`.*"
                                         r'"sparse_categorical_crossentropy".*"mse"'):
        model.compile(optimizer="adam", loss="categorical_cross_entropy")
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamaxx'.*\"rmsprop\""):
        model.compile(optimizer="adamaxx", loss="mse")
    with pytest.raises(ValueError, match=r"Unknown metric function: 'precision'"):
        model.compile(optimizer="adam", loss="mse", metrics=["precision"])


def test_fit_before_compile_and_mismatched_targets(rng):
    x, labels = blobs(rng, n=8)
    model = small_classifier()
    with pytest.raises(RuntimeError, match="You must compile your model before training"):
        model.fit(x, labels)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"one-hot rows of shape \(N, 3\).*received y of shape \(8,\).*to_categorical"):
        model.fit(x, labels, verbose=0)
    with pytest.raises(ValueError, match="Data cardinality is ambiguous: x sizes: 8, y sizes: 7"):
        model.fit(x, keras.utils.to_categorical(labels[:7], 3), verbose=0)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"label value of 3 which is outside the valid range of \[0, 3\)"):
        model.fit(x, np.full(8, 3), verbose=0)


def test_fit_builds_a_model_that_had_no_input_shape(rng):
    x, labels = blobs(rng, n=16)
    model = keras.Sequential([layers.Dense(8, activation="relu"), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, epochs=1, verbose=0)
    assert model.input_shape == (None, 4) and model.count_params() == 4 * 8 + 8 + 8 * 3 + 3


def test_initial_epoch_continues_the_count(rng, capsys):
    x, labels = blobs(rng, n=16)
    model = small_classifier()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(x, labels, epochs=3, initial_epoch=1, verbose=2)
    assert len(history.history["loss"]) == 2
    assert [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")] == ["Epoch 2/3",
                                                                                                   "Epoch 3/3"]


def test_a_function_can_be_the_loss(rng):
    x = rng.standard_normal((32, 2)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)

    def mean_absolute_error(y_true, y_pred):
        return (y_pred - y_true).abs().mean(axis=-1)

    model = keras.Sequential([layers.Dense(1, input_shape=(2,))])
    model.compile(optimizer="sgd", loss=mean_absolute_error)
    loss = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(np.mean(np.abs(model.predict(x) - y)), rel=1e-5)


def test_accuracy_over_several_sigmoid_outputs_is_refused():
    model = keras.Sequential([layers.Dense(3, activation="sigmoid", input_shape=(2,))])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    with pytest.raises(ValueError, match="binary_crossentropy over 3 outputs .* is not supported"):
        model.evaluate(np.zeros((2, 2)), np.zeros((2, 3)), verbose=0)
    model.compile(optimizer="adam", loss="binary_crossentropy")
    assert model.evaluate(np.zeros((2, 2)), np.zeros((2, 3)), verbose=0) == pytest.approx(np.log(2), rel=1e-5)


def test_programs_written_against_keras_models_import_the_same_class():
    from scratchgrad.keras.layers import Dense
    from scratchgrad.keras.models import Sequential

    model = Sequential()
    model.add(Dense(32, activation="relu", input_dim=784))
    assert isinstance(model, keras.Sequential) and model.output_shape == (None, 32)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pooling_runs_before_the_relu_with_the_same_outputs_and_gradients(rng, padding):
    model = keras.Sequential([keras.Input(shape=(7, 7, 2)), layers.Conv2D(3, 2, activation="relu"),
                              layers.MaxPooling2D(2, padding=padding), layers.Flatten(), layers.Dense(4)])
    model.set_weights([np.round(w * 4) for w in model.get_weights()])  # integer weights: many tied maxima
    x = sg.Tensor(rng.integers(-2, 3, size=(5, 7, 7, 2)).astype(np.float32))
    weights = sg.Tensor(rng.standard_normal((5, 4)).astype(np.float32))

    def gradients(run):
        model.zero_grad()
        out = run(x)
        (out * weights).sum().backward()
        return out.data, [p.grad.data.copy() for p in model.parameters()]

    def written_order(x):  # each layer in turn, its activation right after it
        h = to_internal(x)
        for layer in model.layers:
            h = layer._forward(h)
        return to_user(h)

    fused, reference = gradients(model._run), gradients(written_order)
    np.testing.assert_array_equal(fused[0], reference[0])
    for ours, expected in zip(fused[1], reference[1]):
        np.testing.assert_array_equal(ours, expected)
