"""Files in and out: reading any vector file once, and the one writer per export format."""
