package storetest

import "testing"

// Notify is the conformance suite of STUB (to be written).
func Notify(t *testing.T, open Open) {}
