"""`python -m command_handler`: run one command handler instance (see `service`).

The service is imported without Python's OpenSSL modules (see `lean_imports`: memory)."""

from command_handler.lean_imports import without_openssl_modules

with without_openssl_modules():
    from command_handler.service import main

main()
