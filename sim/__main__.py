"""``python -m sim`` runs the ``disarm`` command line."""

import sys

if __name__ == "__main__":
    try:
        from sim.cli import main
    except KeyboardInterrupt:  # Ctrl-C while the command line is still being imported
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    main()
