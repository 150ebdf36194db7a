"""Migration revisions, one file per revision, named `NNNN_slug.py`."""
