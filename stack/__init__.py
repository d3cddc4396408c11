"""stack package of open-bank."""
