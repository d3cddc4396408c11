"""Event sourcing's two promises, checked: the read model rebuilds from the log (`replay`),
and the handler's state is what the log says (`verify`). Run as `./bank replay|verify`.

A tool beside the apps (like `bench`): it reuses the backend's projection code and reads the
handler's tables, which no app may import from another.
"""
