"""Shared by every test folder: this directory is on sys.path (pytest's rootdir conftest), so tests can
`from cli_helpers import run`."""
