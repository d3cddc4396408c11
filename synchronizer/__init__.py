"""synchronizer package of open-bank."""
