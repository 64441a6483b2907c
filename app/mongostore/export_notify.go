package mongostore

import (
	"context"

	"librecours/app/store"
)

// STUB: to be written.
func exportNotify(ctx context.Context, db *DB, w store.RecordWriter) error { return nil }

func importNotify(ctx context.Context, db *DB, r store.RecordReader) error { return nil }
