"""Near me: the spatial index of works, street search, and Atom feeds of a place."""
