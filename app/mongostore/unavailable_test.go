package mongostore

import (
	"fmt"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// TestUnavailableServerErrors: a server that cannot serve now is a storage
// failure (503), a request it refuses is not.
func TestUnavailableServerErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{mongo.CommandError{Code: 1, Name: "InternalError", Message: "context canceled"}, true},
		{mongo.CommandError{Code: 91, Name: "ShutdownInProgress"}, true},
		{mongo.CommandError{Code: 10107, Name: "NotWritablePrimary"}, true},
		{mongo.CommandError{Code: 112, Name: "WriteConflict", Labels: []string{"TransientTransactionError"}}, true},
		{fmt.Errorf("mongostore: insert version: %w", mongo.CommandError{Code: 189, Name: "PrimarySteppedDown"}), true},
		{mongo.CommandError{Code: 11000, Name: "DuplicateKey"}, false},
		{mongo.CommandError{Code: 2, Name: "BadValue"}, false},
		{mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: 11000}}}, false},
		{fmt.Errorf("not a server error"), false},
	} {
		if got := Unavailable(tc.err); got != tc.want {
			t.Errorf("Unavailable(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
