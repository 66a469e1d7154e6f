"""Live views of a network's inside, one widget class per module."""
