"""topology package of open-bank."""
