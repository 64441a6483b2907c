package sqlstore_test

// TEMPORARY (course helper): runs the Course suite before privacy.go exists.
// To be deleted.

import (
	"context"
	"errors"
	"testing"
	"time"

	"librecours/app/sqlstore"
	"librecours/app/store"
	"librecours/app/storetest"
	"librecours/course"
)

type scratchCourse struct{ *sqlstore.CourseStore }

func (scratchCourse) PersonalData(context.Context, string) (*course.PersonalData, error) {
	return nil, errors.New("scratch")
}
func (scratchCourse) DeleteAccount(context.Context, string, time.Time) (string, error) {
	return "", errors.New("scratch")
}

type scratchBackend struct{ *sqlstore.Store }

func (b scratchBackend) Stores() store.Stores {
	st := b.Store.Stores()
	st.Course = scratchCourse{sqlstore.NewCourseStore(b.Store.DB())}
	return st
}

func TestScratchCourse(t *testing.T) {
	storetest.Course(t, func(t testing.TB) store.Backend {
		return scratchBackend{openBackend(t).(*sqlstore.Store)}
	})
}
