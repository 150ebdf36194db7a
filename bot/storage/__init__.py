"""Storage around the I/O-free core: SQL engine, migrations, state store and inbox."""
