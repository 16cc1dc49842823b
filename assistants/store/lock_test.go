package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/r2kit/r2kit/assistants"
)

func TestActiveRunLockValidate(t *testing.T) {
	l := activeRunLock{ThreadID: "thread_1", RunID: "run_1", CreatedAt: 1}
	if err := l.Validate(); err != nil {
		t.Error(err)
	}
	l.RunID = "msg_1"
	err := l.Validate()
	var fe *assistants.FieldError
	if !errors.As(err, &fe) || fe.Field() != "run_id" || !strings.Contains(err.Error(), `begins with "run_"`) {
		t.Errorf("lock naming msg_1: %v; want a field error on run_id", err)
	}
}
