"""Calendar sources. Each implements the Source protocol in base.py; registry.py builds them."""
