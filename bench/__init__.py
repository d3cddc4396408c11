"""The end-to-end latency benchmark of open-bank and its report (``python -m bench``)."""

__all__: list[str] = []
