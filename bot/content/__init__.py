"""Loading admin-edited YAML content (catalogue, lexicon, flows, offices) with FILE:LINE errors."""
