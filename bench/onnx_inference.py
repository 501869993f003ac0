"""``python -m bench.onnx_inference [BATCH] [STEPS] [REPEATS]``: SimpleConvNet inference, exported to ONNX and run
by ONNX Runtime, against scratchgrad's own ``no_grad`` forward, on real MNIST test images.

Prints one line: the median milliseconds per batch of each side (alternating A B A B in one process) and the
ratio scratchgrad / ONNX Runtime. Information for choosing a deployment path, not a target; the weights are the
untrained initial ones (the time does not depend on them). Defaults: batch 100, 20 batches a timing, 7 timings.
"""

from __future__ import annotations

import io
import statistics
import sys

from bench.run import alternate


def main(argv: list[str]) -> None:
    import onnxruntime as ort

    import scratchgrad as sg
    from scratchgrad import models
    from scratchgrad import onnx as sg_onnx
    from scratchgrad.data import load_mnist

    batch, steps, repeats = (int(a) for a in (argv + ["100", "20", "7"][len(argv):]))
    (_, _), (x_test, _) = load_mnist(flatten=False)
    x = x_test[:batch]
    sg.manual_seed(0)
    model = models.get("simple_convnet").eval()
    buffer = io.BytesIO()
    sg_onnx.export(model, x[:1], buffer, dynamic_axes=sg_onnx.dynamic_batch())
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    images = sg.Tensor(x)

    def ours(n: int) -> None:
        with sg.no_grad():
            for _ in range(n):
                model(images)

    def runtime(n: int) -> None:
        for _ in range(n):
            session.run(None, {"input": x})

    a, b = alternate(ours, runtime, steps, repeats, pause=0.05)
    ms_ours, ms_ort = statistics.median(a) / steps * 1e3, statistics.median(b) / steps * 1e3
    print(f"SimpleConvNet inference, batch {batch}: scratchgrad no_grad {ms_ours:.2f} ms, ONNX Runtime "
          f"{ms_ort:.2f} ms per batch (median of {repeats}); scratchgrad / ONNX Runtime {ms_ours / ms_ort:.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
