import gc

from pipeline import malloc

malloc.limit_arenas()  # before any import starts a thread, and before the command starts workers

from pipeline.cli import main  # noqa: E402

code = main()
# What the command imported (polars, pandera, `datasets`) is left to the process's exit instead of walked by the
# interpreter's teardown: ~0.5 s a command, and a `dvc repro` runs seven.
gc.freeze()
raise SystemExit(code)
