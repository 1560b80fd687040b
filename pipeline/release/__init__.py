"""The release side: the dataset card, the release manifest (versions, fingerprints, diffs) and publishing."""
