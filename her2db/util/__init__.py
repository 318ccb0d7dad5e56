"""Small helpers every layer may use: atomic writes, safe file names, terminal escaping."""
