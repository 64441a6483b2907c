package metrics

import "syscall"

// diskSpace returns the bytes free for an unprivileged process and the size
// of the file system holding dir.
func diskSpace(dir string) (free, size uint64, err error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, err
	}
	bsize := uint64(st.Bsize) // #nosec G115 -- a block size is positive and small
	return st.Bavail * bsize, st.Blocks * bsize, nil
}
