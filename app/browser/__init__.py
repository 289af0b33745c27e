"""Study browser: folder scanning, the series table, thumbnails and recent studies."""
