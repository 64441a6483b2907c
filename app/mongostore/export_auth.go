package mongostore

import (
	"context"
	"encoding/json"
	"fmt"

	"librecours/app/store"
	"librecours/course"
)

// exportAuth writes auth_sessions, login_throttle and settings, each by key.
func exportAuth(ctx context.Context, db *DB, w store.RecordWriter) error {
	byID := ascending("_id")
	err := exportColl(ctx, db, w, colAuth, byID, func(d *authDoc) any {
		return course.AuthSession{TokenHash: d.ID, Kind: d.Kind, UserID: d.UserID, CSRF: d.CSRF,
			CreatedAt: d.CreatedAt.UTC(), LastSeen: d.LastSeen.UTC(), ExpiresAt: d.ExpiresAt.UTC(), IdleExpiresAt: d.IdleExpiresAt.UTC()}
	})
	if err != nil {
		return err
	}
	err = exportColl(ctx, db, w, colThrottle, byID, func(d *throttleDoc) any {
		return course.Throttle{Key: d.ID, Count: d.Count, WindowStart: d.WindowStart.UTC()}
	})
	if err != nil {
		return err
	}
	return eachDoc(ctx, db, colSettings, byID, func(d *settingDoc) error {
		v, err := d.jsonValue()
		if err != nil {
			return fmt.Errorf("mongostore: export %s: setting %s: %w", colSettings, d.ID, err)
		}
		return w.Write(colSettings, store.SettingRecord{Key: d.ID, Value: v})
	})
}

// importAuth loads auth_sessions, login_throttle and settings.
func importAuth(ctx context.Context, db *DB, r store.RecordReader) error {
	err := importDocs(ctx, db, r, colAuth, func(a course.AuthSession) any {
		return authDoc{ID: a.TokenHash, Kind: a.Kind, UserID: a.UserID, CSRF: a.CSRF, CreatedAt: a.CreatedAt,
			LastSeen: a.LastSeen, ExpiresAt: a.ExpiresAt, IdleExpiresAt: a.IdleExpiresAt}
	})
	if err != nil {
		return err
	}
	err = importDocs(ctx, db, r, colThrottle, func(t course.Throttle) any {
		return throttleDoc{ID: t.Key, Count: t.Count, WindowStart: t.WindowStart}
	})
	if err != nil {
		return err
	}
	ins := &inserter{ctx: ctx, db: db, coll: colSettings}
	err = store.Each(r, colSettings, func(rec store.SettingRecord) error {
		if !json.Valid(rec.Value) {
			return fmt.Errorf("mongostore: import settings: the value of %s is not JSON", rec.Key)
		}
		return ins.add(settingDoc{ID: rec.Key, JSON: string(rec.Value)})
	})
	if err == nil {
		err = ins.flush()
	}
	return err
}
