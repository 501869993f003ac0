"""What is specific to running on a CPU: glibc's allocator settings (``memory``)."""
