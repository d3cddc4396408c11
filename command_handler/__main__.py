"""`python -m command_handler`: run one command handler instance (see `service`).

Two memory measures come first (see `malloc_arenas` and `lean_imports`): glibc's malloc
arenas are capped before any thread exists, and the service is imported without modules it
never uses."""

from command_handler.lean_imports import lean_service_imports
from command_handler.malloc_arenas import limit_malloc_arenas

limit_malloc_arenas(2)

with lean_service_imports():
    from command_handler.service import main

main()
