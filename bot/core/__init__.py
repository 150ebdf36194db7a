"""The core: catalogue model, normalisation, matching, flows and the engine. No I/O imports."""
