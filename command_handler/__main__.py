"""`python -m command_handler`: run one command handler instance (see `service`).

The service is imported without modules it never uses (see `lean_imports`: memory)."""

from command_handler.lean_imports import lean_service_imports

with lean_service_imports():
    from command_handler.service import main

main()
