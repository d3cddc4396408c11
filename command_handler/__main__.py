"""`python -m command_handler`: run one command handler instance (see `service`)."""

from command_handler.service import main

main()
