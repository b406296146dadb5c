"""What auditors do with the trail: replay it, reconstruct status, review it, compare moments."""
