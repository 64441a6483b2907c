package mongostore

import (
	"context"

	"librecours/app/store"
	"librecours/notify"
)

// exportNotify writes the outbox, the preferences and the hooks, each in the
// order the sqlstore export shares.
func exportNotify(ctx context.Context, db *DB, w store.RecordWriter) error {
	if err := exportColl(ctx, db, w, colOutbox, ascending("_id"), func(d *outboxDoc) any {
		return *d.message()
	}); err != nil {
		return err
	}
	if err := exportColl(ctx, db, w, colNotifyPrefs, ascending("_id"), func(d *prefsDoc) any {
		return store.PrefsRecord{UserID: d.ID, Prefs: d.prefs()}
	}); err != nil {
		return err
	}
	return exportColl(ctx, db, w, colSessionHooks, ascending("_id"), func(d *hookDoc) any {
		return d.hook()
	})
}

// importNotify loads the outbox, the preferences and the hooks.
func importNotify(ctx context.Context, db *DB, r store.RecordReader) error {
	if err := importDocs(ctx, db, r, colOutbox, func(m notify.Message) any {
		return toOutboxDoc(m)
	}); err != nil {
		return err
	}
	if err := importDocs(ctx, db, r, colNotifyPrefs, func(rec store.PrefsRecord) any {
		return toPrefsDoc(rec.UserID, rec.Prefs)
	}); err != nil {
		return err
	}
	return importDocs(ctx, db, r, colSessionHooks, func(h notify.Hook) any {
		d := hookDoc{ID: h.SessionID, SessionID: h.SessionID, URL: h.URL, Threshold: h.Threshold, QueueAlerted: h.QueueAlerted,
			Reminded: h.Reminded}
		if d.Reminded == nil {
			d.Reminded = []string{}
		}
		return d
	})
}
