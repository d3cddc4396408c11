"""Test support shared by several test folders: fakes of the ports, harnesses, clients."""
