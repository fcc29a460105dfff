"""A module provided by a layer."""

GREETING = "hello from the layer"
