package sqlstore

import (
	"context"
	"database/sql"

	"librecours/app/store"
)

// STUB: to be written.
const schemaCourse = ``

func exportCourse(ctx context.Context, tx *sql.Tx, w store.RecordWriter) error { return nil }

func importCourse(ctx context.Context, tx *sql.Tx, r store.RecordReader) error { return nil }

type CourseStore struct{ db *DB }
