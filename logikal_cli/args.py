"""Argument parsing shared by the `./logikal` subcommands: usage errors become one line, not argparse's exit."""

import argparse


class UsageError(Exception):
    """A bad command line; the subcommand prints it as one line and exits with status 2."""


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)
