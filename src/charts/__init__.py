"""Charts drawn by a chart library (pygal) as SVG, for the web view and the HTML report alike."""
