"""``python -m bench.memory ours|torch STEPS``: peak resident memory growth (MB) of workload 1 in this process.

Imports, data and model are set up first; the number printed is the peak RSS during training minus the RSS just
before it, so the frameworks' fixed import costs do not count, only what training allocates (including a
framework's caches kept between steps).
"""

from __future__ import annotations

import sys


def status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident) from /proc/self/status, in MB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"{field} not in /proc/self/status")


def reset_peak() -> None:
    """Writing 5 to clear_refs resets the peak (VmHWM) to the current RSS (Linux), so loading does not count."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def main() -> None:
    side, steps = sys.argv[1], int(sys.argv[2])
    import torch

    import scratchgrad as sg
    from bench import workloads as w
    from scratchgrad import models, optim
    from scratchgrad.models import torch_twins

    torch.set_num_threads(torch.get_num_threads())
    sg.manual_seed(0)
    ours = models.get("simple_convnet")
    batches = w.mnist_batches(100, steps)
    if side == "ours":
        run = w.training_loop(ours, optim.Adam(ours.parameters(), lr=1e-3), batches)
    else:
        twin = torch_twins.build("simple_convnet")
        w.copy_weights(ours, twin, torch)
        run = w.torch_training_loop(torch, twin, torch.optim.Adam(twin.parameters(), lr=1e-3), batches)
    reset_peak()  # from here on, everything training allocates counts: optimizer state, caches, activations
    before = status_mb("VmRSS")
    run(steps)
    print(f"{max(status_mb('VmHWM') - before, 0.0):.1f}")


if __name__ == "__main__":
    main()
