"""Dutch euro formatting of integer cents, used only at the GraphQL edge.

Amounts live everywhere else as integer euro cents (Avro ``long``); the original
open-bank-mark schema exposes them as strings like ``€1.234,56``.
"""

__all__ = ["format_euro_cents"]


def format_euro_cents(cents: int) -> str:
    """Format ``cents`` as ``€1.234,56`` (negative: ``-€12,34``).

    Integer arithmetic only: no float ever touches money.
    """
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", ".")
    return f"{sign}€{grouped},{rest:02d}"
