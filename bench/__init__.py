"""The performance benchmark of planround against the raw xlsx floor: `python -m bench.run`."""
