package sqlstore

import (
	"context"
	"database/sql"

	"librecours/app/store"
)

// STUB: to be written.
const schemaNotify = ``

func exportNotify(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error { return nil }

func importNotify(ctx context.Context, tx *sql.Tx, r store.RecordReader) error { return nil }

type OutboxStore struct{ db *DB }
