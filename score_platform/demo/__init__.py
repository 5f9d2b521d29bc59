"""The demo world of ``manage.py seed_demo``: see world.py for the entry points."""
