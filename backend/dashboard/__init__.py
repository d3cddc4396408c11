"""The live dashboard's figures: scraped, read and sampled once a second in one place,
streamed to every browser by the ``dashboard`` subscription (docs/frontend.md)."""
