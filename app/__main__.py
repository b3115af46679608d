"""Allow `python -m app`, which the frozen build uses as its entry point."""

from app.cli.main import main

if __name__ == "__main__":
    main()
