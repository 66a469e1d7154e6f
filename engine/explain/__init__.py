"""Qt-free numbers behind the Explain windows (issue #6), each tested against torch."""
