"""The window's runtime: jobs on worker threads, signals emitted safely, work in slices, messages."""
