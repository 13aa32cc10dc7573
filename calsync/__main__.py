"""`python -m calsync`: the same as the `calsync` command."""

from calsync.cli import entry

if __name__ == "__main__":
    entry()
