"""The ``scratchgrad`` command: train, evaluate, predict, summary, gradcheck, models, datasets, lab, search,
export, graph.

Every command's ``--help`` shows an example. Bad arguments exit with status 2 and one line that says what was
wrong; a traceback means a bug in scratchgrad, not in the command line.
"""

from __future__ import annotations

import sys
from typing import Sequence

from .export import cmd_export, cmd_graph
from .parser import EXAMPLES, UsageError, build_parser
from .predict import cmd_predict, predict_labels, read_images
from .tools import cmd_datasets, cmd_gradcheck, cmd_lab, cmd_models, cmd_search, cmd_summary
from .train import cmd_evaluate, cmd_train

__all__ = ["EXAMPLES", "UsageError", "build_parser", "main", "predict_labels", "read_images"]

COMMANDS = {
    "train": cmd_train, "evaluate": cmd_evaluate, "predict": cmd_predict, "summary": cmd_summary,
    "gradcheck": cmd_gradcheck, "models": cmd_models, "datasets": cmd_datasets, "lab": cmd_lab, "search": cmd_search,
    "export": cmd_export, "graph": cmd_graph,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (ValueError, KeyError, FileNotFoundError) as exc:
        # Validation errors from the library carry a message written for the user: one line, no traceback.
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"error: {message}", file=sys.stderr)
        return 2
    except RuntimeError as exc:
        if type(exc).__name__ != "TrainingDiverged":
            raise
        print(f"error: {exc}", file=sys.stderr)  # a diverged run: the message names the step and the checkpoint
        return 1
    except BrokenPipeError:  # output piped into head or less, which stopped reading
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
