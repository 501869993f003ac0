"""SummaryWriter: every kind of summary read back by TensorBoard's own reader (EventAccumulator)."""

from __future__ import annotations

import numpy as np
import pytest

from scratchgrad import models
from scratchgrad.data import load_mnist

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator  # noqa: E402

from scratchgrad.utils.tensorboard import SummaryWriter  # noqa: E402

SIZE_GUIDANCE = {"scalars": 0, "histograms": 0, "images": 0, "tensors": 0}  # 0: keep every event


def read(folder) -> EventAccumulator:
    return EventAccumulator(str(folder), size_guidance=SIZE_GUIDANCE).Reload()


def test_scalars_come_back_with_their_steps(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(5):
            writer.add_scalar("loss/train", 1.0 / (step + 1), step)
    events = read(tmp_path).Scalars("loss/train")
    assert [e.step for e in events] == [0, 1, 2, 3, 4]
    np.testing.assert_allclose([e.value for e in events], [1, 1 / 2, 1 / 3, 1 / 4, 1 / 5], rtol=1e-6)


def test_add_scalars_writes_one_run_per_key(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        writer.add_scalars("accuracy", {"train": 0.9, "test": 0.8}, 3)
    assert read(tmp_path / "accuracy_train").Scalars("accuracy")[0].value == pytest.approx(0.9)
    assert read(tmp_path / "accuracy_test").Scalars("accuracy")[0].step == 3


def test_histogram_counts_and_moments(tmp_path):
    values = np.random.default_rng(0).normal(size=1000)
    with SummaryWriter(tmp_path) as writer:
        writer.add_histogram("weights", values, 7, bins=20)
    (event,) = read(tmp_path).Histograms("weights")
    h = event.histogram_value
    assert event.step == 7 and h.num == 1000 and sum(h.bucket) == 1000 and len(h.bucket) == 20
    assert h.min == values.min() and h.max == values.max()
    assert h.sum == pytest.approx(values.sum()) and h.sum_squares == pytest.approx((values**2).sum())


def test_images_and_a_batch_of_digits(tmp_path):
    (_, _), (x, _) = load_mnist(flatten=False)
    with SummaryWriter(tmp_path) as writer:
        writer.add_image("digit", x[0], 0)
        writer.add_images("digits", x[:16], 0)
    reader = read(tmp_path)
    (one,) = reader.Images("digit")
    (tiled,) = reader.Images("digits")
    assert (one.width, one.height) == (28, 28) and one.encoded_image_string[:4] == b"\x89PNG"
    assert (tiled.width, tiled.height) == (4 * 30 - 2, 4 * 30 - 2)  # 4 x 4 digits, 2-pixel gaps
    from io import BytesIO

    from PIL import Image

    pixels = np.asarray(Image.open(BytesIO(one.encoded_image_string)))
    np.testing.assert_array_equal(pixels, np.round(x[0, 0] * 255).astype(np.uint8))


def test_figure_becomes_an_image(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [1, 0])
    with SummaryWriter(tmp_path) as writer:
        writer.add_figure("curve", figure, 1)
    (event,) = read(tmp_path).Images("curve")
    assert (event.width, event.height) == (300, 200)


def test_graph_is_the_autograd_walk(tmp_path):
    (_, _), (x, _) = load_mnist(flatten=False)
    with SummaryWriter(tmp_path) as writer:
        writer.add_graph(models.get("simple_convnet"), x[:1])
    graph = read(tmp_path).Graph()
    ops = {node.op for node in graph.node}
    assert {"Conv2d", "MaxPool2d", "ReLU", "Reshape", "Linear", "Parameter", "IO Node"} <= ops
    by_name = {node.name: node for node in graph.node}
    conv = next(n for n in graph.node if n.op == "Conv2d")
    assert conv.name.startswith("conv1/") and "input_0" in conv.input
    shape = [d.size for d in conv.attr["_output_shapes"].list.shape[0].dim]
    assert shape == [1, 30, 24, 24]
    assert by_name["output_0"].input  # the output node hangs off the last op


def test_hparams_reach_the_hparams_plugin(tmp_path):
    from tensorboard.plugins.hparams import metadata

    with SummaryWriter(tmp_path) as writer:
        writer.add_hparams({"lr": 0.01, "optimizer": "adam", "bn": True}, {"hparam/accuracy": 0.97}, run_name="r")
    reader = read(tmp_path / "r")
    content = reader.PluginTagToContent(metadata.PLUGIN_NAME)
    start = metadata.parse_session_start_info_plugin_data(content[metadata.SESSION_START_INFO_TAG])
    assert start.hparams["lr"].number_value == 0.01 and start.hparams["optimizer"].string_value == "adam"
    experiment = metadata.parse_experiment_plugin_data(content[metadata.EXPERIMENT_TAG])
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/accuracy"]
    assert reader.Scalars("hparam/accuracy")[0].value == pytest.approx(0.97)


def test_default_log_dir_follows_pytorch(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    writer.close()
    folder = writer.get_logdir()
    assert folder.startswith("runs/") and folder.endswith("_lr0.1") and (tmp_path / folder).is_dir()
