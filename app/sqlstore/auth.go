package sqlstore

import (
	"context"
	"database/sql"

	"librecours/app/store"
)

// STUB: to be written.
const schemaAuth = ``

func exportAuth(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error { return nil }

func importAuth(ctx context.Context, tx *sql.Tx, r store.RecordReader) error { return nil }

type AuthStore struct{ db *DB }
type Settings struct{ db *DB }
