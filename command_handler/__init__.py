"""command_handler package of open-bank."""
