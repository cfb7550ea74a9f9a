"""Components that ship with ganbench, registered through the same hooks as plugins."""
