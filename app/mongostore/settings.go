package mongostore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"librecours/course"
)

// Settings keeps small platform-wide values by key (the demo data marker,
// …). A value is kept as its JSON text, so it reads back and exports the
// same as in the embedded store.
type Settings struct{ db *DB }

var _ course.SettingsStore = (*Settings)(nil)

// NewSettings returns the settings store over db.
func NewSettings(db *DB) *Settings { return &Settings{db: db} }

// settingDoc is one setting: JSON holds the value's JSON text. Value is the
// BSON document older versions stored; it is still read.
type settingDoc struct {
	ID    string   `bson:"_id"`
	JSON  string   `bson:"json,omitempty"`
	Value bson.Raw `bson:"value,omitempty"`
}

// jsonValue returns the setting's value as JSON text.
func (d *settingDoc) jsonValue() (json.RawMessage, error) {
	if d.JSON != "" || d.Value == nil {
		return json.RawMessage(d.JSON), nil
	}
	b, err := bson.MarshalExtJSON(d.Value, false, false)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}

// Get decodes the value stored under key into v, or returns course.ErrNotFound.
func (s *Settings) Get(ctx context.Context, key string, v any) error {
	var d settingDoc
	err := s.db.R(colSettings).FindOne(ctx, bson.M{"_id": key}).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return course.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("mongostore: get setting %s: %w", key, err)
	}
	if d.JSON == "" && d.Value != nil { // stored by an older version
		err = bson.Unmarshal(d.Value, v)
	} else {
		err = json.Unmarshal([]byte(d.JSON), v)
	}
	if err != nil {
		return fmt.Errorf("mongostore: decode setting %s: %w", key, err)
	}
	return nil
}

// Put stores v under key, as JSON, replacing any previous value.
func (s *Settings) Put(ctx context.Context, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("mongostore: encode setting %s: %w", key, err)
	}
	err = s.db.put(ctx, colSettings, key, settingDoc{ID: key, JSON: string(b)})
	if err != nil {
		return fmt.Errorf("mongostore: put setting %s: %w", key, err)
	}
	return nil
}
