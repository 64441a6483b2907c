package storetest

import "testing"

// Backup is the conformance suite of STUB (to be written).
func Backup(t *testing.T, open Open) {}
