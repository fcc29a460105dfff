"""JSONPath-mode expressions: paths, payload templates and intrinsic functions."""
