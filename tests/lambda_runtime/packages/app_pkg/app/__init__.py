"""A handler inside a package, using relative imports."""
