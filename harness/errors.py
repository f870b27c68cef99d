"""Errors that reach a user as one clear line rather than a traceback."""


class UserError(Exception):
    """A mistake in what the user asked for or gave us (a bad file, option or request).

    The command line prints ``smets1-hil: error: <message>`` and exits non-zero.
    """

    exit_code: int = 2
