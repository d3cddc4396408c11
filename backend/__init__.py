"""backend package of open-bank."""
